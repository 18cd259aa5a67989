"""The demo's practitioner opens Tandem to something to do: overdue work, a meeting this week
and something new on their cases, on their home page."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import PlanAction
from home import queries


@pytest.mark.django_db
@pytest.mark.timeout(900)  # seeding the whole demo is slow on a busy machine
def test_the_demo_practitioner_has_overdue_work_a_meeting_and_news(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        late = PlanAction.objects.filter(due_at__lt=timezone.now(), owner__isnull=False).select_related("owner").first()
        assert late is not None and late.owner is not None
        sections = {section.key: section for section in queries.my_work(late.owner).sections}
        assert any(item.overdue for item in sections["tasks"].items)
        assert sections["meetings"].items
        assert sections["new"].items
        transaction.set_rollback(True)
