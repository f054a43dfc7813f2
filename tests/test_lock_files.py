"""The lock files in requirements/ install what pyproject.toml asks for (read from disk, no network)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUN_LOCK = ROOT / "requirements" / "run.txt"
TEST_LOCK = ROOT / "requirements" / "test.txt"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(autouse=True)
def isolated() -> None:
    """These tests read files only: no application, no database (once, not once per database)."""


def locked_versions(path: Path) -> dict[str, set[str]]:
    """Each package of a lock file with the versions it pins (one, unless markers split them)."""
    versions: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        if not line or line[0] in "# -":  # comments, and the hash lines that continue a requirement
            continue
        requirement = Requirement(line.removesuffix("\\").strip())
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {line} is not pinned"
        versions.setdefault(canonicalize_name(requirement.name), set()).add(specifier.version)
    return versions


def pinned(requirements: list[str]) -> dict[str, str]:
    """The direct dependencies as pyproject.toml pins them, name to version."""
    pins = {}
    for text in requirements:
        requirement = Requirement(text)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"pyproject.toml: {text} is not pinned to one version"
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        (RUN_LOCK, PROJECT["dependencies"]),
        (TEST_LOCK, PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
    ],
    ids=["run", "test"],
)
def test_lock_has_every_direct_dependency_at_its_pinned_version(lock, requirements):
    """Did whoever edited pyproject.toml also run `make lock`?"""
    locked = locked_versions(lock)
    wrong = {
        name: sorted(locked.get(name, {"missing"}))
        for name, version in pinned(requirements).items()
        if locked.get(name) != {version}
    }
    assert not wrong, f"{lock.name} disagrees with pyproject.toml, run `make lock`: {wrong}"


def test_tests_run_the_versions_production_installs():
    """Is every package of the runtime lock in the test lock, at the same version?"""
    run, test = locked_versions(RUN_LOCK), locked_versions(TEST_LOCK)
    different = {name: (versions, test.get(name)) for name, versions in run.items() if test.get(name) != versions}
    assert not different, f"the test lock disagrees with the runtime lock, run `make lock`: {different}"
