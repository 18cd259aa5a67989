"""The need-to-know policy: the one place that decides who may see and do what.

Every view, API endpoint, export and task asks this module. Reads come as
querysets already narrowed to what the user may see; single objects come from
``get_…`` helpers that answer 404 when the user may not see them, so the
existence of something out of reach is never revealed.

Agency admins manage people, not cases: the agency rules below give an admin
their own agency's memberships and nothing else. Superusers get no exemption.

The rules live in one module per subject (base, agencies, cases, casework, referrals,
deadlines, supervisors); this package is the one name everything imports, e.g.
``from access_control.policy import get_case``.

The vocabulary, which is all a caller needs:

- ``visible_…(user)``: a queryset of what the user may see (a list starts from it).
- ``get_…(user, id, action)``: one object, 404 when out of sight, 403 when seen but the
  action is refused; logged either way.
- ``decide…`` / ``access.can(action)``: a ``Decision`` (allowed or not, and the rule that
  said so), to show or hide a button. ``check_…``: the same, a refusal logged and 403.
- ``enforce(decision, …)``: log a decision (a refusal raises PermissionDenied). Nothing
  outside this package writes the access log or spells a rule: a write's rule is a
  ``Decision`` returned by the policy, or one of ``Grounds``; a list page logs what it
  showed with ``log_listing(user, Listing.…)``.

How to add a protected subject (say, a family's court order):

1. The model, in its app.
2. A module here (``policy/court_orders.py``): ``visible_court_orders(user)`` (a queryset:
   deny by default, then each rule that grants), ``get_court_order(user, id, action)`` (404 or
   403, logged) and ``decide_…`` for each action, each ``Decision`` naming its rule. Reach a
   case's subject through its case (``get_case`` / ``case_basis``), so the case rules hold.
3. Export those names below (keep the list short: constants and types stay in the module).
4. An access matrix test in ``tests/access_control/`` (every role against every action,
   as ``test_access_matrix.py`` does for cases) and a test that a refusal is in the log.
5. Services call ``get_…``/``check_…``/``enforce`` and log their writes through the
   access they were given (``access.log``); list pages call ``log_listing`` with a new
   ``Listing``. ``tests/config/test_layers.py`` fails if anything outside this package
   calls ``audit.record`` or passes ``rule="…"``.
"""

from __future__ import annotations

from access_control.policy.agencies import (
    administered_agencies,
    agency_members,
    can_manage_members,
    get_administered_agency,
    get_agency_membership,
)
from access_control.policy.base import (
    Decision,
    Grounds,
    Listing,
    active_memberships,
    enforce,
    log_listing,
)
from access_control.policy.cases import (
    VIEW_CASE_PERMISSION,
    Action,
    CaseAccess,
    case_basis,
    case_for_break_glass,
    check,
    check_break_glass,
    check_correction,
    check_opening_case,
    decide,
    decide_item,
    get_case,
    get_document,
    get_entry,
    visible_cases,
    visible_documents,
    visible_entries,
)
from access_control.policy.casework import (
    cases_with_supervised_lead,
    check_plan_progress,
    decide_completing_meeting_action,
    decide_contributing,
    decide_contribution,
    decide_on_assessment,
    decide_plan_progress,
    get_casework,
    get_contribution,
    readable_contributions,
)
from access_control.policy.deadlines import (
    decide_asking_extension,
    get_deadline,
    my_tasks,
    visible_deadlines,
    visible_deadlines_among,
)
from access_control.policy.referrals import (
    FRONT_DOOR_ROLES,
    ReferralAccess,
    ReferralAction,
    ServiceReferralAccess,
    ServiceReferralAction,
    check_inbox,
    check_linking,
    check_making_referral,
    check_referral,
    decide_referral,
    front_door_agencies,
    front_door_ids,
    get_referral,
    get_service_referral,
    visible_referrals,
    visible_service_referrals,
)
from access_control.policy.supervisors import (
    check_caseloads,
    decide_handover,
    decide_on_extension,
    get_supervisee,
    of_supervisee,
    readable_entries,
    supervisee_memberships,
    supervisees_deadlines,
    supervisees_places,
    supervises_someone,
    supervision_over,
)

__all__ = [
    "FRONT_DOOR_ROLES",
    "VIEW_CASE_PERMISSION",
    "Action",
    "CaseAccess",
    "Decision",
    "Grounds",
    "Listing",
    "ReferralAccess",
    "ReferralAction",
    "ServiceReferralAccess",
    "ServiceReferralAction",
    "active_memberships",
    "administered_agencies",
    "agency_members",
    "can_manage_members",
    "case_basis",
    "case_for_break_glass",
    "cases_with_supervised_lead",
    "check",
    "check_break_glass",
    "check_caseloads",
    "check_correction",
    "check_inbox",
    "check_linking",
    "check_making_referral",
    "check_opening_case",
    "check_plan_progress",
    "check_referral",
    "decide",
    "decide_asking_extension",
    "decide_completing_meeting_action",
    "decide_contributing",
    "decide_contribution",
    "decide_handover",
    "decide_item",
    "decide_on_assessment",
    "decide_on_extension",
    "decide_plan_progress",
    "decide_referral",
    "enforce",
    "front_door_agencies",
    "front_door_ids",
    "get_administered_agency",
    "get_agency_membership",
    "get_case",
    "get_casework",
    "get_contribution",
    "get_deadline",
    "get_document",
    "get_entry",
    "get_referral",
    "get_service_referral",
    "get_supervisee",
    "log_listing",
    "my_tasks",
    "of_supervisee",
    "readable_contributions",
    "readable_entries",
    "supervisee_memberships",
    "supervisees_deadlines",
    "supervisees_places",
    "supervises_someone",
    "supervision_over",
    "visible_cases",
    "visible_deadlines",
    "visible_deadlines_among",
    "visible_documents",
    "visible_entries",
    "visible_referrals",
    "visible_service_referrals",
]
