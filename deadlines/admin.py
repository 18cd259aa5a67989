"""Platform-admin screens: the statutory timescales only. Deadlines and notifications are not
registered: they can reveal a case's activity to someone with no part in it."""

from __future__ import annotations

from django.contrib import admin

from deadlines.models import Timescale


@admin.register(Timescale)
class TimescaleAdmin(admin.ModelAdmin[Timescale]):
    list_display = ["jurisdiction", "kind", "urgency", "amount", "unit"]
    list_editable = ["amount", "unit"]
    list_filter = ["jurisdiction", "urgency"]
    ordering = ["jurisdiction", "kind", "urgency"]
