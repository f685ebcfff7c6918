"""requirements.lock pins every dependency of pyproject.toml (the dev extra and the build's too)
to a release its specifier allows, each with hashes, so `make deps` installs what CI tested."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.core.paths import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", re.M)


def _pins() -> dict[str, tuple[str, int]]:
    """Each locked package: its version and how many hashes it has."""
    return {
        canonicalize_name(name): (version, hashes.count("--hash="))
        for name, version, hashes in _PIN.findall(LOCK.read_text(encoding="utf-8"))
    }


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["dev"],
        *project["build-system"]["requires"],
    ]
    return [Requirement(line) for line in declared]


def test_every_declared_dependency_is_locked_with_hashes() -> None:
    pins = _pins()
    unlocked = []
    for requirement in _declared():
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned[0], prereleases=True):
            unlocked.append(f"{requirement} (locked: {pinned[0] if pinned else 'no'})")
    assert unlocked == [], "run `make lock`"


def test_every_locked_package_has_hashes() -> None:
    text = LOCK.read_text(encoding="utf-8")
    pinned_lines = re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)
    assert len(pinned_lines) == len(_pins()) > 50
    assert all(hashes >= 1 for _, hashes in _pins().values())
    # The lock must not tie an install to one machine's package folders or indexes.
    assert not re.search(r"^--(find-links|index-url|extra-index-url)", text, re.M)
