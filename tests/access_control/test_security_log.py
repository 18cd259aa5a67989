"""The security log: authentication events in the access log, read by an agency's admin for
its own members only."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from access_control import audit, security_log
from access_control.models import AccessLogEntry
from access_control.security_log import SecurityEvent
from agencies.models import Role
from tests.factories import AgencyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_an_event_is_a_chained_row_of_the_access_log_naming_the_account():
    member = MembershipFactory.create()
    security_log.record(SecurityEvent.SIGN_IN_FAILED, about=member.user)
    security_log.record(SecurityEvent.SIGNED_IN, about=member.user, by=member.user, agency=member.agency)
    failed, signed_in = AccessLogEntry.objects.order_by("id")
    assert (failed.user, failed.action, failed.object_type, failed.object_id, failed.outcome) == (
        None,
        "sign_in_failed",
        "account",
        str(member.user.pk),
        "denied",
    )
    assert (signed_in.user, signed_in.agency, signed_in.outcome) == (member.user, member.agency, "allowed")
    assert signed_in.rule == "signed in with their password"
    assert audit.verify_chain() == (2, None)


def test_an_attempt_on_an_account_that_does_not_exist_names_no_account():
    security_log.record(SecurityEvent.SIGN_IN_FAILED, about=None)
    assert AccessLogEntry.objects.get().object_id == ""


def test_an_agency_admin_reads_the_events_of_their_members_and_no_one_else():
    agency = AgencyFactory.create()
    admin = MembershipFactory.create(agency=agency, role=Role.AGENCY_ADMIN).user
    member = MembershipFactory.create(agency=agency).user
    former = MembershipFactory.create(agency=agency, active=False, ended_on=timezone.localdate()).user
    elsewhere = MembershipFactory.create().user
    for person in (member, former, elsewhere):
        security_log.record(SecurityEvent.SIGNED_IN, about=person, by=person)
    shown_agency, events = security_log.security_events(admin, agency.pk)
    assert shown_agency == agency
    assert {event.object_id for event in events} == {str(member.pk), str(former.pk)}
    with pytest.raises(Http404):
        security_log.security_events(member, agency.pk)
    with pytest.raises(Http404):
        security_log.security_events(admin, AgencyFactory.create().pk)
