"""The book builds from scratch, every chapter executed, with no Sphinx warning."""

import re

from conftest import toc_files


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
