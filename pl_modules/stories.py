"""Story sources: the embedded corpus, ROCStories CSV files, or a Hugging Face Hub dataset.

Every source becomes the same `datasets.Dataset` with columns `storyid`, `storytitle` and
`sentences` (a list of five strings), so everything downstream is source-agnostic. Bad input fails
here, early, with the file, row and column named, rather than deep inside a tokenizer.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import datasets

from pl_modules.errors import InputError, MissingFileError

SENTENCES_PER_STORY = 5
SENTENCE_COLUMNS = tuple(f"sentence{i}" for i in range(1, SENTENCES_PER_STORY + 1))
REQUIRED_COLUMNS = ("storyid", *SENTENCE_COLUMNS)
EMBEDDED = "embedded"

StorySource = str | Sequence[str]


class StoryFormatError(InputError):
    """A story source that does not hold five-sentence stories in the ROCStories schema."""


def embedded_corpus_path() -> Path:
    """Path of the open story corpus shipped inside the package."""
    return Path(str(resources.files("pl_modules.corpus").joinpath("stories.csv")))


def load_stories(source: StorySource = EMBEDDED, hub_split: str = "train") -> datasets.Dataset:
    """Load five-sentence stories from `source`.

    `source` is `"embedded"` (the open corpus in the package), a path or list of paths to CSV
    files in the ROCStories schema, or the name of a Hugging Face Hub dataset with the same
    columns. The Hub is contacted only for a name that is not a `.csv` path.
    """
    paths = [source] if isinstance(source, str | Path) else list(source)
    if not paths:
        raise StoryFormatError("no story source given: pass 'embedded', CSV paths or a Hub name")
    if len(paths) == 1 and str(paths[0]) == EMBEDDED:
        paths = [embedded_corpus_path()]
    if all(str(p).lower().endswith(".csv") for p in paths):
        rows = [row for p in paths for row in read_story_csv(Path(p))]
        return datasets.Dataset.from_list(rows)
    if len(paths) == 1:
        return _load_hub_stories(str(paths[0]), hub_split)
    raise StoryFormatError(
        f"cannot mix story sources {[str(p) for p in paths]}: give CSV files only, "
        "or a single Hub dataset name"
    )


def read_story_csv(path: Path) -> list[dict]:
    """Read and validate one CSV file in the ROCStories schema (`storyid`, `storytitle`,
    `sentence1`..`sentence5`; quoted fields may contain commas)."""
    if not path.is_file():
        raise MissingFileError(f"{path}: no such story file; check the path in your config")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise StoryFormatError(
            f"{path}, line {line}: bytes that are not UTF-8 ({raw[err.start:err.start + 4]!r}); "
            "re-save the file as UTF-8"
        ) from None
    if not text.strip():
        raise StoryFormatError(f"{path}: the file is empty; expected a header line and stories")
    reader = csv.DictReader(text.splitlines(keepends=True), restkey="__extra__")
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise StoryFormatError(
            f"{path}, line 1: missing column(s) {', '.join(missing)}; the header has "
            f"{', '.join(header)}; expected storyid,storytitle,sentence1,...,sentence5"
        )
    rows = [_story_from_row(f"{path}, line {reader.line_num}", row) for row in reader]
    if not rows:
        raise StoryFormatError(f"{path}: a header but no stories")
    return rows


def _story_from_row(where: str, row: dict) -> dict:
    if "__extra__" in row:
        raise StoryFormatError(
            f"{where}: more fields than the header has columns; a story has exactly "
            f"{SENTENCES_PER_STORY} sentences (quote sentences that contain commas)"
        )
    absent = [c for c in SENTENCE_COLUMNS if row.get(c) is None]
    if absent:
        raise StoryFormatError(
            f"{where}: {SENTENCES_PER_STORY - len(absent)} sentences instead of "
            f"{SENTENCES_PER_STORY} (no {', '.join(absent)})"
        )
    empty = [c for c in SENTENCE_COLUMNS if not row[c].strip()]
    if empty:
        raise StoryFormatError(f"{where}, column {empty[0]}: empty sentence; every story needs "
                               f"{SENTENCES_PER_STORY} non-empty sentences")
    storyid = (row.get("storyid") or "").strip()
    if not storyid:
        raise StoryFormatError(f"{where}, column storyid: empty story id")
    return {
        "storyid": storyid,
        "storytitle": (row.get("storytitle") or "").strip(),
        "sentences": [row[c].strip() for c in SENTENCE_COLUMNS],
    }


def _load_hub_stories(name: str, split: str) -> datasets.Dataset:
    try:
        hub = datasets.load_dataset(name, split=split)
    except Exception as err:  # the Hub client raises many types; all mean "not loadable"
        raise StoryFormatError(
            f"could not load the Hub dataset {name!r} ({type(err).__name__}: {err}). "
            "Without internet access, download the ROCStories CSV files and pass their paths "
            "(data.stories: [path1.csv, path2.csv]); 'embedded' uses the corpus in the package"
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in hub.column_names]
    if missing:
        raise StoryFormatError(
            f"Hub dataset {name!r} has columns {hub.column_names}, missing {missing}; "
            "it must follow the ROCStories schema (storyid, sentence1..sentence5)"
        )
    return datasets.Dataset.from_list(
        [_story_from_row(f"{name}, row {i}", r) for i, r in enumerate(_rows(hub))]
    )


def _rows(dataset: datasets.Dataset) -> Iterable[dict]:
    for row in dataset:
        yield {k: (None if v is None else str(v)) for k, v in row.items()}
