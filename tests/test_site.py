"""The built site works in a real browser, the way a reader meets it.

The build tests read HTML files; they cannot see a script that throws, an asset that 404s, a link
to a fragment that is not there, a search that finds nothing, a launch button that opens the wrong
notebook, or a page that quietly depends on a CDN. This module serves the built book on localhost
and opens every page in headless Chromium (offline: requests to other hosts are aborted and listed).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from conftest import ROOT, notebook_chapters, toc_files

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SEARCH = "search.html?q=LightningModule"
SCREENSHOT_PAGES = ("index", "chapters/09_training_and_evaluation")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log on stderr."""


@dataclass
class Visit:
    """What one page did in the browser."""

    status: int = 0
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)  # same-origin only
    external_requests: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # absolute, as the browser resolved them
    broken_images: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    launch_links: dict[str, str] = field(default_factory=dict)  # button text -> href
    search_results: list[str] = field(default_factory=list)


def visit(context: BrowserContext, base: str, url: str, ready: str | None = None) -> Visit:
    """Open `url`, wait until the network is idle (and the JS predicate `ready` holds), record."""
    seen = Visit()
    page = context.new_page()
    page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and seen.console_errors.append(
        f"{message.text} (from {message.location.get('url')})"))
    page.on("request", lambda request: request.url.startswith("http")
            and not request.url.startswith(base) and seen.external_requests.append(request.url))
    page.on("requestfailed", lambda request: request.url.startswith(base)
            and seen.failed_requests.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: response.url.startswith(base) and response.status >= 400
            and seen.failed_requests.append(f"{response.url}: HTTP {response.status}"))
    response = page.goto(url, wait_until="networkidle")
    seen.status = response.status if response else 0
    if ready:
        page.wait_for_function(ready)
    seen.links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    seen.broken_images = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    seen.ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    seen.launch_links = dict(page.eval_on_selector_all(
        ".dropdown-launch-buttons a",
        "as => as.map(a => [a.textContent.trim(), a.getAttribute('href')])"))
    seen.search_results = page.eval_on_selector_all("#search-results ul.search a",
                                                    "as => as.map(a => a.href)")
    page.close()
    return seen


def page_path(url: str, base: str) -> str:
    """`chapters/01_introduction.html` for a same-origin URL (query and fragment dropped)."""
    return urlparse(urldefrag(url).url).path.removeprefix(urlparse(base).path)


def expected_launch_links(page: str) -> dict[str, str]:
    """The Colab and Binder URLs for the notebook generated next to `page`, from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    org_repo = urlparse(config["repository"]["url"]).path.strip("/")
    branch = config["repository"]["branch"]
    launch = config["launch_buttons"]
    interface = {"classic": "tree", "jupyterlab": "lab/tree"}[launch["notebook_interface"]]
    notebook = f"{page}.ipynb"
    return {
        "Binder": f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{org_repo}/{branch}"
                  f"?urlpath={interface}/{notebook}",
        "Colab": f"{launch['colab_url'].rstrip('/')}/github/{org_repo}/blob/{branch}/{notebook}",
    }


@pytest.fixture(scope="module")
def site(html: Path) -> Iterator[str]:
    """The base URL of the built book, served on localhost."""
    with ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(html))) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{server.server_address[1]}/"
        server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def context(browser: Browser, site: str) -> Iterator[BrowserContext]:
    """A browser context that reaches only the local server; anything else is aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(lambda url: not url.startswith(site), lambda route: route.abort())
    yield context
    context.close()


@pytest.fixture(scope="module")
def visits(context: BrowserContext, site: str, html: Path) -> dict[str, Visit]:
    """Every page of the book (the toc, the search page, the index), keyed by its path."""
    pages = [f"{page}.html" for page in toc_files()] + ["search.html"]
    pages += ["genindex.html"] if (html / "genindex.html").is_file() else []
    return {page: visit(context, site, site + page) for page in pages}


def test_every_page_loads_without_errors(visits):
    """Console errors caused by blocked requests to other hosts are the next test's business."""
    problems = [f"{page}: HTTP {seen.status}" for page, seen in visits.items() if seen.status != 200]
    for page, seen in visits.items():
        problems += [f"{page}: console error: {e}" for e in seen.console_errors
                     if not any(url in e for url in seen.external_requests)]
        problems += [f"{page}: uncaught exception: {e}" for e in seen.page_errors]
        problems += [f"{page}: request failed: {r}" for r in seen.failed_requests]
    assert not problems, "\n".join(problems)


def test_pages_load_nothing_from_other_hosts(visits):
    """A book read offline, or after a CDN moves, must not lose its maths or scripts."""
    problems = [f"{page}: requests {url}" for page, seen in visits.items()
                for url in seen.external_requests]
    assert not problems, "\n".join(problems)


def test_internal_links_reach_existing_pages_and_fragments(visits, context, site):
    targets = dict(visits)
    problems = []
    for page, seen in visits.items():
        for link in sorted(set(seen.links)):
            if not link.startswith(site):
                continue
            url, fragment = urldefrag(link)
            target = page_path(url, site)
            if target not in targets:
                if target.endswith(".html"):
                    targets[target] = visit(context, site, url)
                else:
                    targets[target] = Visit(status=context.request.get(url).status)
            status = targets[target].status
            if status >= 400:
                problems.append(f"{page}: link {link}: target answers HTTP {status}")
            elif fragment and fragment not in targets[target].ids:
                problems.append(f"{page}: link {link}: no element with id {fragment!r} on {target}")
    assert not problems, "\n".join(problems)


def test_every_image_loads(visits):
    problems = [f"{page}: image does not load: {src}" for page, seen in visits.items()
                for src in seen.broken_images]
    assert not problems, "\n".join(problems)


def test_search_finds_the_chapters(context, site):
    seen = visit(context, site, site + SEARCH,
                 ready="() => document.querySelector('#search-results p.search-summary')"
                       "?.textContent.trim()")
    errors = seen.console_errors + seen.page_errors + seen.failed_requests
    assert not errors, f"{SEARCH}: errors while searching: {errors}"
    chapters = {f"{page}.html" for page in toc_files() if page.startswith("chapters/")}
    results = [page_path(link, site) for link in seen.search_results]
    assert chapters & set(results), f"{SEARCH}: no result links to a chapter page: {results}"


def test_launch_buttons_open_the_generated_notebooks(visits):
    notebooks = {f"{page}.html": page for page in
                 (str(path.relative_to(ROOT).with_suffix("")) for path in notebook_chapters())}
    problems = []
    for page, seen in visits.items():
        expected = expected_launch_links(notebooks[page]) if page in notebooks else {}
        if seen.launch_links != expected:
            problems.append(f"{page}: launch links {seen.launch_links}, expected {expected}")
    assert not problems, "\n".join(problems)


def test_screenshots_of_home_and_final_chapter(context, site, tmp_path):
    """Full-page screenshots to look at; BOOK_SCREENSHOTS names a folder to copy them into."""
    folders = [tmp_path]
    if os.environ.get("BOOK_SCREENSHOTS"):
        folders.append(Path(os.environ["BOOK_SCREENSHOTS"]))
    page = context.new_page()
    for name in SCREENSHOT_PAGES:
        response = page.goto(f"{site}{name}.html", wait_until="networkidle")
        assert response and response.ok, f"{name}.html: not served"
        png = page.screenshot(full_page=True)
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name.replace('/', '_')}.png").write_bytes(png)
    page.close()
