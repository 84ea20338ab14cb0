"""`environment.yml` (conda, Binder) installs exactly what `make book` installs, and the pins it
points to are exact, complete, and satisfy `pyproject.toml`, whose runtime dependencies are
ranges. conda itself is not run here."""

from __future__ import annotations

import importlib.metadata
import re
import sys

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import ROOT, pyproject

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


def runtime_requirements() -> list[Requirement]:
    """What installing the package (and the chapters' `notebook` extra) asks pip for."""
    return [Requirement(text) for text in
            pyproject()["dependencies"] + pyproject()["optional-dependencies"]["notebook"]]


def test_runtime_dependencies_are_ranges_up_to_the_next_major_version():
    for requirement in runtime_requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, (
            f"pyproject.toml: {requirement} should be a range `>=tested,<next major`, "
            "so that pip keeps an installed version that fits (Colab's torch); pins go in "
            "requirements.lock")


def test_the_lock_satisfies_every_requirement_of_pypyproject():
    pins = lock()
    requirements = pyproject()["dependencies"] + [
        r for extra in pyproject()["optional-dependencies"].values() for r in extra]
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if name == "pl-modules":
            continue
        assert name in pins, f"pyproject.toml has {text}, the lock has no {name}"
        assert requirement.specifier.contains(pins[name]), (
            f"pyproject.toml has {text}, the lock pins {name}=={pins[name]}")


def test_book_and_test_tools_stay_pinned_like_the_lock():
    for extra in ("book", "test"):
        for text in pyproject()["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) != "pl-modules":
                assert [s.operator for s in requirement.specifier] == ["=="], text


def test_python_range_allows_the_python_of_the_lock_and_newer():
    supported = SpecifierSet(pyproject()["requires-python"])
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert supported.contains(version)
    assert all(s.operator == ">=" for s in supported), (
        "requires-python has an upper cap; nothing in the package needs one")


def test_lock_is_what_this_environment_runs():
    pins = lock()
    installed = {canonicalize_name(d.metadata["Name"]): d.version.split("+")[0]
                 for d in importlib.metadata.distributions()}
    for tool in ("pip", "setuptools", "wheel", "pl-modules"):
        installed.pop(tool, None)
    assert installed == pins, {name: (installed.get(name), pins.get(name))
                               for name in installed.keys() ^ pins.keys()
                               | {n for n in installed if installed[n] != pins.get(n)}}
