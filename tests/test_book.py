"""The book builds from scratch, every chapter executed, with no Sphinx warning."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "PL_MODULES_RUNS": str(out / "runs")}
    build = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
         "--path-output", str(out), "--warningiserror", "--nitpick", "--keep-going"],
        env=env, capture_output=True, text=True, timeout=2400,
    )
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-6000:]
    return out / "_build" / "html"


def test_every_toc_page_is_built(html):
    for page in toc_files():
        assert (html / f"{page}.html").is_file(), page


def test_chapters_ran_without_errors_and_show_outputs(html):
    for page in toc_files():
        text = (html / f"{page}.html").read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in text, page
        assert not re.search(r'class="[^"]*\boutput\b[^"]*\berror\b', text), page


def test_citations_resolve_into_the_bibliography(html):
    bib = (html / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    for key in ("Falcon", "Devlin", "Mostafazadeh", "Kendall", "Paszke", "Wolf", "Lhoest"):
        assert key in bib, key


def test_figures_are_embedded(html):
    images = list((html / "_images").glob("*.png"))
    assert len(images) >= 6
