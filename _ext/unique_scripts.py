"""Write each script of a page once.

Sphinx 7.4 (the line Jupyter Book 1.x requires) emits a script twice when an extension adds it
after the builder has started, as sphinx-thebe does for its inline configuration; the second
`const THEBE_JS_URL` then throws on every page. Sphinx 8.2 fixed this upstream.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def drop_repeated_scripts(app: Sphinx, pagename: str, templatename: str,
                          context: dict[str, Any], doctree: Any) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
