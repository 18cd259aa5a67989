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
    DENY_NO_RULE,
    Decision,
    active_memberships,
)
from access_control.policy.cases import (
    RULE_BREAK_GLASS,
    RULE_GRANT,
    RULE_SERVICE_REFERRAL,
    RULE_SUPERVISOR,
    RULE_TEAM,
    VIEW_CASE_PERMISSION,
    Action,
    CaseAccess,
    CaseBasis,
    ItemT,
    SharedItem,
    case_basis,
    case_for_break_glass,
    check,
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
    RULE_ACTION_OWNER,
    RULE_CONTRIBUTING_AGENCY,
    CaseworkT,
    cases_with_supervised_lead,
    check_plan_progress,
    decide_completing_meeting_action,
    decide_contributing,
    decide_contribution,
    decide_plan_progress,
    get_casework,
    get_contribution,
    readable_contributions,
)
from access_control.policy.deadlines import (
    my_tasks,
    visible_deadlines,
)
from access_control.policy.referrals import (
    FRONT_DOOR_ROLES,
    ReferralAccess,
    ReferralAction,
    ReferralBasis,
    ServiceReferralAccess,
    ServiceReferralAction,
    ServiceReferralBasis,
    check_referral,
    decide_referral,
    decide_service_referral,
    front_door_agencies,
    get_referral,
    get_service_referral,
    referral_basis,
    visible_referrals,
    visible_service_referrals,
)
from access_control.policy.supervisors import (
    RULE_SUPERVISES_WORKER,
    check_caseloads,
    decide_caseloads,
    get_supervisee,
    readable_entries,
    supervisee_memberships,
    supervises_someone,
)

__all__ = [
    "DENY_NO_RULE",
    "FRONT_DOOR_ROLES",
    "RULE_ACTION_OWNER",
    "RULE_BREAK_GLASS",
    "RULE_CONTRIBUTING_AGENCY",
    "RULE_GRANT",
    "RULE_SERVICE_REFERRAL",
    "RULE_SUPERVISES_WORKER",
    "RULE_SUPERVISOR",
    "RULE_TEAM",
    "VIEW_CASE_PERMISSION",
    "Action",
    "CaseAccess",
    "CaseBasis",
    "CaseworkT",
    "Decision",
    "ItemT",
    "ReferralAccess",
    "ReferralAction",
    "ReferralBasis",
    "ServiceReferralAccess",
    "ServiceReferralAction",
    "ServiceReferralBasis",
    "SharedItem",
    "active_memberships",
    "administered_agencies",
    "agency_members",
    "can_manage_members",
    "case_basis",
    "case_for_break_glass",
    "cases_with_supervised_lead",
    "check",
    "check_caseloads",
    "check_plan_progress",
    "check_referral",
    "decide",
    "decide_caseloads",
    "decide_completing_meeting_action",
    "decide_contributing",
    "decide_contribution",
    "decide_item",
    "decide_plan_progress",
    "decide_referral",
    "decide_service_referral",
    "front_door_agencies",
    "get_administered_agency",
    "get_agency_membership",
    "get_case",
    "get_casework",
    "get_contribution",
    "get_document",
    "get_entry",
    "get_referral",
    "get_service_referral",
    "get_supervisee",
    "my_tasks",
    "readable_contributions",
    "readable_entries",
    "referral_basis",
    "supervisee_memberships",
    "supervises_someone",
    "visible_cases",
    "visible_deadlines",
    "visible_documents",
    "visible_entries",
    "visible_referrals",
    "visible_service_referrals",
]
