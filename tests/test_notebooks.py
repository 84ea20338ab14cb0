"""The generated Colab/Binder notebooks match their chapters, and their install cell does what it
says: nothing outside Colab; on Colab, clone, install the pinned package (keeping Colab's own
torch), and enter `chapters/`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, pyproject
from notebooks import colab_install_cell, generated_notebook, notebook_chapters
from packaging.requirements import Requirement


def test_every_notebook_chapter_has_a_current_generated_notebook():
    chapters = notebook_chapters()
    assert len(chapters) >= 9
    for chapter in chapters:
        target = chapter.with_suffix(".ipynb")
        assert target.is_file(), f"{target.name} is missing: run `make notebooks`"
        assert target.read_text(encoding="utf-8") == generated_notebook(chapter), (
            f"{target.name} is stale: run `make notebooks`")
    generated = {path.stem for path in (ROOT / "chapters").glob("*.ipynb")}
    assert generated == {chapter.stem for chapter in chapters}, "a notebook without a chapter"


def test_generated_notebooks_are_valid_and_start_with_the_install_cell():
    for chapter in notebook_chapters():
        notebook = nbformat.read(chapter.with_suffix(".ipynb"), as_version=4)
        nbformat.validate(notebook)
        assert notebook.cells[0].metadata["tags"] == ["colab-install"], chapter.name
        assert all(not cell.get("outputs") for cell in notebook.cells), chapter.name


def test_install_cell_does_nothing_outside_colab(monkeypatch, tmp_path):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.chdir(tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError(f"the install cell ran a command outside Colab: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)
    namespace: dict = {}
    exec(colab_install_cell("https://example.invalid/repo", "main", str(tmp_path / "clone")),
         namespace)
    assert set(namespace) == {"__builtins__", "sys"}
    assert Path.cwd() == tmp_path
    assert not (tmp_path / "clone").exists()


def local_repository(folder: Path) -> str:
    """A git repository on disk with what the install needs, on branch `main`: the Colab cell
    clones it through a file:// address as it would clone the public one."""
    for name in ("pyproject.toml", "README.md", "LICENSE", "requirements.lock"):
        shutil.copy(ROOT / name, folder / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.ipynb", "runs")
    shutil.copytree(ROOT / "pl_modules", folder / "pl_modules", ignore=ignore)
    shutil.copytree(ROOT / "chapters", folder / "chapters", ignore=ignore)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    for command in (["init", "--quiet", "--initial-branch=main"], ["add", "."],
                    ["commit", "--quiet", "-m", "book"]):
        subprocess.run([*git, *command], cwd=folder, check=True)
    return folder.as_uri()


def colab_torch_version() -> str:
    """A torch version that Colab could have: the lowest the package accepts, which is not the
    version requirements.lock pins."""
    (torch,) = [r for r in map(Requirement, pyproject()["dependencies"]) if r.name == "torch"]
    lowest = next(spec.version for spec in torch.specifier if spec.operator == ">=")
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    pinned = next(line.split("==")[1] for line in lock if line.startswith("torch=="))
    assert lowest != pinned, "torch's range should reach below the lock's pin"
    return lowest


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> dict[str, Path | str]:
    """A stand-in for a Colab runtime: a fresh virtual environment that sees this environment's
    packages (as Colab comes with torch, numpy, ... preinstalled) but not `pl_modules`; its torch
    reports another version than the lock's, as Colab's own CUDA build would."""
    base = tmp_path_factory.mktemp("colab")
    repository = local_repository(tmp_path_factory.mktemp("repository"))
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True)
    python = base / "venv" / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "preinstalled.pth").write_text(sysconfig.get_path("purelib") + "\n")
    torch = colab_torch_version()
    metadata = Path(site, f"torch-{torch}.dist-info")
    metadata.mkdir()
    (metadata / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {torch}\n")
    (metadata / "RECORD").write_text("")
    return {"python": python, "venv": base / "venv", "repository": repository,
            "clone": base / "content" / "book", "torch": torch}


def run_cell_on_colab(colab: dict, before: str = "") -> subprocess.CompletedProcess:
    """Run the install cell in the stand-in runtime, with `google.colab` imported as on Colab."""
    cell = colab_install_cell(colab["repository"], "main", str(colab["clone"]))
    script = "\n".join([
        "import json, os, sys, types",
        "sys.modules['google'] = types.ModuleType('google')",
        "sys.modules['google.colab'] = types.ModuleType('google.colab')",
        before,
        f"exec({cell!r})",
        "import importlib.metadata, pl_modules",
        "source = importlib.metadata.distribution('pl-modules').read_text('direct_url.json')",
        "print(json.dumps({'cwd': os.getcwd(), 'package': pl_modules.__file__,",
        "                  'source': json.loads(source)['url'],",
        "                  'torch': importlib.metadata.version('torch')}))",
    ])
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run([colab["python"], "-c", script], cwd=colab["clone"].parent.parent,
                          env=env, capture_output=True, text=True, timeout=900)


def test_install_cell_on_colab_clones_installs_and_enters_the_chapters(colab):
    run = run_cell_on_colab(colab)
    assert run.returncode == 0, run.stderr[-4000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    clone = colab["clone"]
    assert Path(seen["cwd"]) == clone / "chapters"
    assert Path(seen["package"]).is_relative_to(colab["venv"]), "not installed in the runtime"
    assert seen["source"] == clone.as_uri(), "installed from elsewhere than the clone"
    assert seen["torch"] == colab["torch"], "the install replaced Colab's own torch"


def test_install_cell_on_colab_asks_for_a_restart_when_an_imported_package_changed(colab):
    stand_in = "sys.modules['numpy'] = types.SimpleNamespace(__version__='0.0.1')"
    run = run_cell_on_colab(colab, before=stand_in)
    assert run.returncode != 0
    assert "restart the session" in run.stderr and "numpy" in run.stderr, run.stderr[-4000:]
