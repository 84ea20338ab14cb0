"""`CITATION.cff` is valid Citation File Format 1.2.0 and agrees with the book: its title, version,
repository and the BibTeX entry on the "How to cite" page."""

from __future__ import annotations

import datetime
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

import pl_modules
from conftest import ROOT

SCHEMA = Path(__file__).parent / "schemas" / "citation-file-format-1.2.0.json"


@pytest.fixture(scope="module")
def citation() -> dict:
    # the schema wants dates as strings; YAML would turn an unquoted date into a `date`
    return yaml.load((ROOT / "CITATION.cff").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def bibtex_fields(page: Path) -> dict[str, str]:
    """The fields of the first BibTeX entry in a page's ```bibtex block."""
    block = re.search(r"```bibtex\n(.*?)```", page.read_text(encoding="utf-8"), re.S).group(1)
    return {key: value.strip("{}") for key, value in
            re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", block, re.M)}


def test_citation_file_is_valid_cff_1_2_0(citation):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(citation)]
    assert not errors, errors


def test_schema_check_catches_an_invalid_file(citation):
    broken = {**citation, "date-released": "25 November 2026"}
    broken.pop("authors")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    messages = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(broken)]
    assert any("authors" in m for m in messages) and any("does not match" in m for m in messages)


def test_citation_agrees_with_the_book_and_the_package(citation, config):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["title"] == config["title"]
    assert citation["version"] == project["version"] == pl_modules.__version__
    assert citation["repository-code"] == config["repository"]["url"]
    assert datetime.date.fromisoformat(citation["date-released"]).year == int(config["copyright"])


def test_how_to_cite_page_gives_the_same_bibtex(citation, config):
    fields = bibtex_fields(ROOT / "chapters" / "how_to_cite.md")
    assert fields["title"].replace("{", "").replace("}", "") == citation["title"]
    assert fields["author"] == citation["authors"][0]["name"]
    assert fields["version"] == citation["version"]
    assert fields["year"] == citation["date-released"][:4]
    assert fields["url"] == config["repository"]["url"]
