"""The house's layering, read from the code's own imports (docs/architecture.md draws it).

Every module is in one room: the ground floor (``web``), models, the policy
(``access_control``), the domain (services, queries and the like), tasks, the interface
(views, API, forms, URLs, context processors, admin, management commands), and the top
(``config``, ``demo``, ``datasets``' generation). A module imports only from its own room or
rooms below it; interface modules may also import each other's reference serializers and
forms. Within the domain, tasks and interface rooms the apps stand in an order (agencies,
accounts, outbox, deadlines, cases, referrals, supervision): an app imports only itself and
the apps before it. Only tasks modules and the outbox (which queues its own delivery after commit)
import a tasks module.
Imports inside functions count the same: hiding one there does not remove the dependency."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = (
    "web",
    "agencies",
    "accounts",
    "access_control",
    "deadlines",
    "outbox",
    "cases",
    "referrals",
    "supervision",
    "home",
    "datasets",
    "demo",
    "config",
)
# The order of the apps whose domain, tasks and interface rooms build on one another.
APP_ORDER = ("agencies", "accounts", "outbox", "deadlines", "cases", "referrals", "supervision", "home")
TOP_APPS = ("config", "demo", "datasets")
INTERFACE_PARTS = {"views", "api", "forms", "urls", "context_processors", "admin", "apps", "management"}
ROOMS = ("ground floor", "models", "policy", "domain", "tasks", "interface", "top")


@dataclass(frozen=True)
class Import:
    module: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported} ({room(self.module)} -> {room(self.imported)})"


def room(module: str) -> str:
    parts = module.split(".")
    app = parts[0]
    if app == "web":
        return "ground floor"
    if "models" in parts:
        return "models"
    if app in TOP_APPS:
        return "top"
    if app == "access_control":
        return "policy"
    if "tasks" in parts:
        return "tasks"
    if any(part in INTERFACE_PARTS or part.startswith(("views_", "api_", "forms_")) for part in parts[1:]):
        return "interface"
    return "domain"


def _modules() -> dict[str, Path]:
    found = {}
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            found[".".join(relative.with_suffix("").parts).removesuffix(".__init__")] = path
    return found


def _imports() -> list[Import]:
    found = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [Import(module, name, node.lineno) for name in names if name.split(".")[0] in PROJECT_APPS]
    return found


IMPORTS = _imports()


def test_the_rooms_are_read_from_the_code() -> None:
    modules = _modules()
    assert {room(module) for module in modules} == set(ROOMS)
    assert len(IMPORTS) > 300


def test_no_import_runs_up_a_room() -> None:
    def up(found: Import) -> bool:
        below, above = ROOMS.index(room(found.module)), ROOMS.index(room(found.imported))
        if room(found.module) == room(found.imported) == "interface":
            return False
        if found.module.startswith("outbox.") and found.imported == "outbox.tasks":
            return False  # recording queues the delivery (the test below)
        return above > below

    assert [str(found) for found in IMPORTS if up(found)] == []


def test_the_ground_floor_imports_no_app_of_the_project() -> None:
    assert [
        str(found)
        for found in IMPORTS
        if room(found.module) == "ground floor" and room(found.imported) != room(found.module)
    ] == []


def test_an_app_builds_only_on_the_apps_before_it() -> None:
    def across(found: Import) -> bool:
        source, target = found.module.split(".")[0], found.imported.split(".")[0]
        if source not in APP_ORDER or target not in APP_ORDER:
            return False
        if room(found.imported) in ("models", "policy", "ground floor"):
            return False
        return APP_ORDER.index(target) > APP_ORDER.index(source)

    assert [str(found) for found in IMPORTS if across(found)] == []


def test_only_tasks_and_the_outbox_import_a_tasks_module() -> None:
    def names_a_task(found: Import) -> bool:
        if room(found.imported) != "tasks" or room(found.module) in ("tasks", "top"):
            return False
        return found.module.split(".")[0] != "outbox"

    assert [str(found) for found in IMPORTS if names_a_task(found)] == []


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("web.pagination", "ground floor"),
        ("cases.models", "models"),
        ("cases.models.record", "models"),
        ("access_control.policy.cases", "policy"),
        ("deadlines.reminders", "domain"),
        ("referrals.tasks", "tasks"),
        ("cases.meetings.views", "interface"),
        ("cases.plans.api", "interface"),
        ("config.context_processors", "top"),
        ("demo.cases", "top"),
        ("config.settings", "top"),
    ],
)
def test_each_module_has_its_room(module: str, expected: str) -> None:
    assert room(module) == expected


def _writes_the_access_log_or_spells_a_rule(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "access_control.audit":
            found.append((node.lineno, "imports access_control.audit"))
        if isinstance(node, ast.ImportFrom) and node.module == "access_control":
            found += [(node.lineno, "imports audit") for alias in node.names if alias.name == "audit"]
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if (
            isinstance(function, ast.Attribute)
            and function.attr in ("record", "record_many")
            and isinstance(function.value, ast.Name)
            and function.value.id == "audit"
        ):
            found.append((node.lineno, f"calls audit.{function.attr}"))
        for keyword in node.keywords:
            if keyword.arg == "rule" and isinstance(keyword.value, (ast.Constant, ast.JoinedStr)):
                found.append((node.lineno, "passes a rule string"))
    return found


def test_only_the_policy_writes_the_access_log_and_names_its_rules() -> None:
    """No module outside ``access_control`` calls ``audit.record``/``record_many`` or passes a
    ``rule="…"`` of its own: a decision and its rule come from the policy (``enforce``,
    ``log_listing``, ``Grounds``, an access's ``log``)."""
    found = [
        f"{module}:{line} {what}"
        for module, path in _modules().items()
        if not module.startswith("access_control")
        for line, what in _writes_the_access_log_or_spells_a_rule(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == []


def test_the_access_log_check_finds_what_it_forbids() -> None:
    tree = ast.parse(
        "from access_control import audit\n"
        "audit.record(user=u, action='x', object_type='case', allowed=True, rule='mine')\n"
        "access.log('x', rule=f'{a}: b')\n"
        "access.log('x', rule=decision.rule)\n"
    )
    assert [what for _, what in _writes_the_access_log_or_spells_a_rule(tree)] == [
        "imports audit",
        "calls audit.record",
        "passes a rule string",
        "passes a rule string",
    ]
