"""Platform admin screens: agencies, people and their memberships. No children's records here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from agencies.models import Agency, Membership, MembershipEvent, SupervisionLine, User
from agencies.services import send_set_password_email

admin.site.site_header = "Tandem platform admin"
admin.site.unregister(Group)
# API tokens (accounts.ApiToken, knox's swapped-in model) have no admin screen: knox's own
# registers nothing for a swapped model, and a person or their agency admin revokes them.


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff"]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "password")}),
        ("Status", {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ()


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["name", "kind", "jurisdiction", "takes_referrals", "active"]
    list_filter = ["kind", "jurisdiction", "takes_referrals", "active"]
    search_fields = ["name"]


class MembershipEventInline(admin.TabularInline[MembershipEvent, Membership]):
    model = MembershipEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "detail"]

    def has_add_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "agency", "role", "active", "started_on", "ended_on"]
    list_filter = ["agency", "role", "active"]
    search_fields = ["user__email", "user__full_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    inlines = [MembershipEventInline]
    actions = ["send_set_password_link"]

    @admin.action(description="Email a set-password link to the selected people")
    def send_set_password_link(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("user"):
            send_set_password_email(membership.user)
        messages.success(request, f"Sent {queryset.count()} set-password link(s).")


@admin.register(SupervisionLine)
class SupervisionLineAdmin(admin.ModelAdmin[SupervisionLine]):
    list_display = ["supervisor", "supervisee", "active", "started_on", "ended_on"]
    list_filter = ["active", "supervisor__agency"]
    raw_id_fields = ["supervisor", "supervisee"]
