"""Generate `chapters/<stem>.ipynb` from each MyST chapter, for Colab and Binder.

Colab opens only `.ipynb` files, so each chapter that is a notebook gets a generated copy next to
its source (the book's launch buttons point there). The copy starts with an install cell that, on
Colab only, clones the repository and installs the package with the pinned requirements (except
torch, so that Colab keeps its CUDA build); the repository's address comes from `_config.yml`.
Run `make notebooks` after editing a chapter; `tests/test_notebooks.py` fails while a copy is
stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]

COLAB_INSTALL = '''\
# On Colab: fetch the book's repository and install its package with the pinned requirements,
# all but torch: Colab's own torch (a CUDA build) stays when it is in the package's range.
# Anywhere else (JupyterLab, Binder, the book build) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib
    import importlib.metadata
    import os
    import subprocess

    REPOSITORY = "{repository}"
    BRANCH = "{branch}"
    CLONE = "{clone}"
    if not os.path.isdir(CLONE):
        subprocess.run(["git", "clone", "--quiet", "--depth=1", "--branch", BRANCH,
                        REPOSITORY, CLONE], check=True)
    with open(f"{{CLONE}}/requirements.lock") as lock:
        pins = [line for line in lock if not line.startswith("torch==")]
    with open(f"{{CLONE}}/colab-constraints.txt", "w") as constraints:
        constraints.writelines(pins)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--constraint",
                    f"{{CLONE}}/colab-constraints.txt", f"{{CLONE}}[notebook,test]"], check=True)
    # Packages the session imported before the install changed them stay the old versions.
    importlib.invalidate_caches()
    stale = [name for name in ("numpy", "torch", "pandas", "scipy", "matplotlib")
             if name in sys.modules
             and sys.modules[name].__version__ != importlib.metadata.version(name)]
    if stale:
        raise RuntimeError(f"The install changed {{', '.join(stale)}}, already imported: restart "
                           "the session (Runtime > Restart session) and run all cells again.")
    os.chdir(f"{{CLONE}}/chapters")
'''


def repository() -> tuple[str, str]:
    """The repository's address and branch, from `_config.yml` (the one place they are written)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"], config["repository"]["branch"]


def colab_install_cell(repository_url: str, branch: str, clone: str) -> str:
    """The source of the first cell of every generated notebook."""
    return COLAB_INSTALL.format(repository=repository_url, branch=branch, clone=clone)


def default_clone(repository_url: str) -> str:
    """Where Colab clones the repository: its name under Colab's working folder."""
    return "/content/" + repository_url.rstrip("/").rsplit("/", 1)[-1]


def toc_files() -> list[str]:
    """The book's pages in reading order, as `_toc.yml` lists them (paths without suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def notebook_chapters() -> list[Path]:
    """Chapters listed in `_toc.yml` that are notebooks (MyST files with a kernelspec)."""
    sources = [ROOT / f"{name}.md" for name in toc_files()]
    return [path for path in sources if "kernelspec" in jupytext.read(path).metadata]


def generated_notebook(chapter: Path) -> str:
    """The `.ipynb` text for one chapter: the install cell, then the chapter's cells, no outputs.
    Cell ids are numbered so that regenerating an unchanged chapter gives the same bytes."""
    notebook = jupytext.read(chapter)
    notebook.metadata.pop("jupytext", None)
    url, branch = repository()
    install = nbformat.v4.new_code_cell(colab_install_cell(url, branch, default_clone(url)),
                                        metadata={"tags": ["colab-install"]})
    notebook.cells.insert(0, install)
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number:03d}"
    return nbformat.writes(notebook) + "\n"


def main() -> int:
    for chapter in notebook_chapters():
        target = chapter.with_suffix(".ipynb")
        target.write_text(generated_notebook(chapter), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
