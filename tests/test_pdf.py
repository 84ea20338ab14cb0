"""The book also builds as a PDF (`jupyter-book build --builder pdflatex`), and the PDF is the
whole book: every chapter in toc order, every figure of the site, a plausible number of pages.

The PDF build reuses the execution cache of the `built_book` fixture: a chapter runs again only
if its code changed in between.
Poppler's `pdftotext`, `pdfimages` and `pdfinfo` read the result.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, jupyter_book, toc_files


def title(page: str) -> str:
    """The first `# ` heading of a toc file: the title of its chapter."""
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    return re.search(r"^# (.+)$", text, re.MULTILINE).group(1).strip()


def normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def poppler(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf(built_book: Path) -> Path:
    env = {**os.environ, "PL_MODULES_RUNS": str(built_book / "runs")}
    build = jupyter_book("build", str(ROOT), "--path-output", str(built_book),
                         "--builder", "pdflatex", env=env)
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-6000:]
    return built_book / "_build" / "latex" / "book.pdf"


def test_title_page_and_chapters_in_toc_order(pdf: Path) -> None:
    book_title, *chapter_titles = [title(page) for page in toc_files()]
    pages = [normalized(page) for page in poppler("pdftotext", str(pdf), "-").split("\f")]
    assert normalized(book_title) in pages[0]
    # Each chapter opens on a page that starts "CHAPTER <number in words> <TITLE>".
    openings = [m.group(1) for page in pages if (m := re.match(r"chapter \S+ (.*)", page))]
    assert len(openings) == len(chapter_titles), [opening[:60] for opening in openings]
    for opening, chapter in zip(openings, chapter_titles):
        assert opening.startswith(normalized(chapter)), (chapter, opening[:80])


def test_every_figure_of_the_site_is_in_the_pdf(pdf: Path, html: Path) -> None:
    """The site's figures are the PNGs in _images; the PDF embeds each one as an "image" row of
    `pdfimages -list` (its transparency is a separate "smask" row), once per place it is shown."""
    figures = list((html / "_images").glob("*.png"))
    rows = [line.split() for line in poppler("pdfimages", "-list", str(pdf)).splitlines()[2:]]
    embedded = [row for row in rows if row[2] == "image"]
    assert figures, "the HTML build has no figures"
    assert len(embedded) >= len(figures), (len(embedded), len(figures))


def test_page_count_is_plausible(pdf: Path) -> None:
    chapters = len(toc_files()) - 1
    pages = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(pdf)), re.MULTILINE).group(1))
    assert 2 * chapters < pages < 40 * chapters, pages
