"""The policy is the only door: no view, API, form or task module reads protected data
with a bare manager. This scans the source, so a new module cannot forget."""

from __future__ import annotations

import ast
from pathlib import Path

from config.embedded import BASE_DIR

APPS = ("agencies", "cases", "referrals", "access_control", "deadlines", "supervision", "home")
DOOR_MODULES = ("views.py", "api.py", "forms.py", "tasks.py")
PROTECTED = {
    "Case",
    "Child",
    "ChildAlias",
    "ChildAddress",
    "Person",
    "FamilyLink",
    "CaseTeamMember",
    "ChronologyEntry",
    "Document",
    "ClosureRequest",
    "BreakGlassGrant",
    "AccessLogEntry",
    "CaseUserObjectPermission",
    "Referral",
    "ReferralAddition",
    "ServiceReferral",
    "JointAssessment",
    "Contribution",
    "Meeting",
    "MeetingAttendee",
    "MeetingAction",
    "Plan",
    "PlanOutcome",
    "PlanAction",
    "ProgressUpdate",
    "PlanReview",
    "LeadChange",
    "Deadline",
}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def _door_files() -> list[Path]:
    files: list[Path] = []
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if path.name in DOOR_MODULES or path.name.startswith(("views_", "api_", "forms_")):
                files.append(path)
    return files


def bare_reads(source: str) -> list[str]:
    """Lines where protected data is reached without the policy."""
    found: list[str] = []
    tree = ast.parse(source)
    # `Model.objects.none()` reads nothing: forms start their choices empty and the view
    # fills them from the policy.
    empty = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "none"}
    for node in ast.walk(tree):
        if id(node) in empty:
            continue
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"objects", "_default_manager", "_base_manager"}
            and isinstance(node.value, ast.Name)
            and node.value.id in PROTECTED
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SHORTCUTS:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Name) and first.id in PROTECTED:
                found.append(f"line {node.lineno}: {node.func.id}({first.id}, …)")
    return found


def test_the_scanner_catches_a_bare_read():
    assert bare_reads("from cases.models import Case\nCase.objects.filter(pk=1)\n") == ["line 2: Case.objects"]
    assert bare_reads("get_object_or_404(Document, pk=1)\n") == ["line 1: get_object_or_404(Document, …)"]
    assert bare_reads("policy.visible_cases(user).filter(pk=1)\n") == []


def test_no_view_api_form_or_task_reads_case_data_with_a_bare_manager():
    files = _door_files()
    assert any(p.name == "views.py" for p in files) and any(p.name == "api.py" for p in files)
    offenders = {str(path.relative_to(BASE_DIR)): reads for path in files if (reads := bare_reads(path.read_text()))}
    assert offenders == {}


def test_the_scanner_lets_an_empty_queryset_through_but_not_a_read_from_it():
    assert bare_reads("from cases.models import Case\nCase.objects.none()\n") == []
    assert bare_reads("from cases.models import Case\nCase.objects.all().none()\n") == ["line 2: Case.objects"]
