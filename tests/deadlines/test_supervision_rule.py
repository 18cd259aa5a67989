"""One supervision rule for extensions: the approvals list offers exactly the extensions its
reader may decide (``policy.decide_on_extension``): the owner's supervisor in the agency the
deadline is owed for, never a supervisor of the same person in another agency."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from access_control import policy
from agencies.models import AgencyKind, Role, User
from deadlines import queries, services
from deadlines.models import Extension
from tests.factories import AgencyFactory, CaseFactory, DeadlineFactory, MembershipFactory, TeamMemberFactory, supervise

pytestmark = pytest.mark.django_db


def _waiting(owner_agency_of_the_deadline: str) -> tuple[Extension, User]:
    """A worker on a case team for agency A, supervised there; they also work for agency B.
    An extension waits on a deadline they owe on the case, for A or for B."""
    case = CaseFactory.create()
    agency_a = AgencyFactory.create(kind=AgencyKind.HEALTH)
    worker = MembershipFactory.create(agency=agency_a, role=Role.PRACTITIONER)
    supervisor = supervise(worker)
    TeamMemberFactory.create(case=case, user=worker.user, agency=agency_a)
    agency_b = MembershipFactory.create(user=worker.user, role=Role.PRACTITIONER).agency
    owed_for = agency_a if owner_agency_of_the_deadline == "A" else agency_b
    deadline = DeadlineFactory.create(case=case, owner=worker.user, owner_agency=owed_for)
    extension = Extension.objects.create(
        deadline=deadline, requested_by=worker.user, reason="More time", new_due_at=deadline.due_at + timedelta(days=5)
    )
    return extension, supervisor.user


def test_the_supervisor_in_the_agency_owed_sees_and_decides_the_extension():
    extension, supervisor = _waiting("A")
    assert list(queries.pending_extensions_for(supervisor)) == [extension]
    assert policy.decide_on_extension(supervisor, extension.deadline)
    assert services.decide_extension(by=supervisor, extension=extension, approve=True).state == "approved"


def test_a_supervisor_of_the_owner_in_another_agency_is_not_offered_what_they_may_not_decide():
    extension, supervisor = _waiting("B")
    assert not policy.decide_on_extension(supervisor, extension.deadline)
    with pytest.raises(PermissionDenied):
        services.decide_extension(by=supervisor, extension=extension, approve=True)
    # Before the one rule, the list offered it (any line over the owner, in any agency).
    assert list(queries.pending_extensions_for(supervisor)) == []
