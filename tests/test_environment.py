"""`environment.yml` (conda, Binder) installs exactly what `make book` installs, and the pins it
points to are exact, complete, and agree with `pyproject.toml`. conda itself is not run here."""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][^\s;#]*)$")


def lock() -> dict[str, str]:
    pins = {}
    for number, line in enumerate((ROOT / "requirements.lock").read_text().splitlines(), 1):
        match = PIN.match(line)
        assert match, f"requirements.lock line {number} is not `name==version`: {line!r}"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_environment_installs_the_lock_and_the_project_as_make_book_does():
    dependencies = environment()["dependencies"]
    conda = [d for d in dependencies if isinstance(d, str)]
    pip = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert conda == [f"python={sys.version_info.major}.{sys.version_info.minor}", "pip"], (
        "conda should give only the Python the pins are tested on, and pip")
    assert "-r requirements.lock" in pip
    extras = re.search(r'-e "\.\[([a-z,]+)\]"', (ROOT / "Makefile").read_text())[1]
    assert f"-e .[{extras}]" in pip
    assert all(line.startswith(("-r ", "-e ", "--extra-index-url ")) for line in pip), (
        "a package pinned in environment.yml itself would be a second source of versions")


def test_every_pyproject_pin_matches_the_lock():
    pins = lock()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra]
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if name == "pl-modules":
            continue
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"pyproject.toml: {text} is not an exact pin"
        assert pins.get(name) == spec.version, f"pyproject.toml has {text}, the lock {pins.get(name)}"


def test_lock_is_what_this_environment_runs():
    pins = lock()
    installed = {canonicalize_name(d.metadata["Name"]): d.version.split("+")[0]
                 for d in importlib.metadata.distributions()}
    for tool in ("pip", "setuptools", "wheel", "pl-modules"):
        installed.pop(tool, None)
    assert installed == pins, {name: (installed.get(name), pins.get(name))
                               for name in installed.keys() ^ pins.keys()
                               | {n for n in installed if installed[n] != pins.get(n)}}
