"""How much the open corpus is like ROCStories: style measures and a words-alone position test.

    python tools/corpus_style.py                       # the embedded corpus against the sample
    python tools/corpus_style.py --corpus part.csv     # any file in the ROCStories schema
    python tools/corpus_style.py --old REV             # also the corpus as it was at git REV

The ROCStories sample is read from `../shared/rocstories/rocstories_sample.csv` (or `--sample`)
only to compute these numbers; nothing of it is printed but the numbers.

The position test asks how much of a story's order its words alone give away: a logistic
regression on TF-IDF word unigrams and bigrams of single sentences predicts each sentence's
position (1 to 5). Both corpora are cut to the same number of stories and split 80/20 by a hash of
the story id, so a corpus is not favoured by its size.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pl_modules.stories import embedded_corpus_path, read_story_csv
from pl_modules.task import _id_hash, split_name

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "rocstories" / "rocstories_sample.csv"
FIRST_PERSON = re.compile(r"\b(I|me|my|mine|myself|we|us|our|ours|ourselves)\b", re.IGNORECASE)
# capitalised opening words that are not names: articles, pronouns, determiners, time words
NOT_NAMES = frozenset(
    "A An The I My Our Your His Her Their Its It He She We They You This That These Those There "
    "One Two Last Yesterday Today Tonight Every Each Some Most Many Since When While After Before "
    "As Once On In At During For If Because All Both No Nobody Everyone Someone".split()
)
TEST_SHARE = 0.2


@dataclass(frozen=True)
class Style:
    """The measures of one corpus (shares in [0, 1])."""

    stories: int
    words_mean: float
    words_sd: float
    last_words_mean: float
    first_person: float
    name_opening: float
    position_accuracy: float
    first_recall: float


def opening_word(sentence: str) -> str:
    """The first word of a sentence, without quotes, punctuation or a possessive 's."""
    word = sentence.split()[0].strip("\"'“”‘’.,!?;:")
    return re.sub(r"['’]s$", "", word)


def is_name_like(word: str) -> bool:
    return word[:1].isupper() and word not in NOT_NAMES


def equal_size(stories: list[dict], n: int) -> list[dict]:
    """`n` stories chosen by a hash of their ids: the same ones whatever the file's order."""
    return sorted(stories, key=lambda s: _id_hash("sample:" + s["storyid"]))[:n]


def position_test(stories: list[dict]) -> tuple[float, float]:
    """Accuracy of the words-alone position classifier, and its recall of sentence 1."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    test = [split_name(s["storyid"], 0.0, TEST_SHARE) == "test" for s in stories]
    parts = {
        flag: [(sentence, k) for s, t in zip(stories, test) if t == flag
               for k, sentence in enumerate(s["sentences"])]
        for flag in (False, True)
    }
    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    x_train = vectorizer.fit_transform([x for x, _ in parts[False]])
    x_test = vectorizer.transform([x for x, _ in parts[True]])
    y_train = np.array([y for _, y in parts[False]])
    y_test = np.array([y for _, y in parts[True]])
    predicted = LogisticRegression(max_iter=2000).fit(x_train, y_train).predict(x_test)
    return float((predicted == y_test).mean()), float((predicted[y_test == 0] == 0).mean())


def style(stories: list[dict], n: int) -> Style:
    """All measures of `stories`; the position test on `n` of them."""
    words = np.array([len(x.split()) for s in stories for x in s["sentences"]])
    last = np.array([len(s["sentences"][-1].split()) for s in stories])
    first_person = np.mean([any(FIRST_PERSON.search(x) for x in s["sentences"]) for s in stories])
    names = np.mean([is_name_like(opening_word(s["sentences"][0])) for s in stories])
    accuracy, recall = position_test(equal_size(stories, n))
    return Style(len(stories), float(words.mean()), float(words.std()), float(last.mean()),
                 float(first_person), float(names), accuracy, recall)


def read(path: Path) -> list[dict]:
    return read_story_csv(path)


def corpus_at(rev: str) -> list[dict]:
    """The embedded corpus as committed at git revision `rev`."""
    relative = embedded_corpus_path().relative_to(ROOT)
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{relative}"],
                          capture_output=True, check=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".csv") as f:
        f.write(text)
        f.flush()
        return read(Path(f.name))


# (label, attribute, format, bound against the sample: (kind, amount))
ROWS = [
    ("words per sentence, mean (sd)", "words_mean", "{:.1f} ({:.1f})", ("within", 1.0)),
    ("words in the last sentence, mean", "last_words_mean", "{:.1f}", ("within", 1.0)),
    ("stories told in the first person", "first_person", "{:.0%}", ("within", 0.05)),
    ("first sentence opens with a name-like word", "name_opening", "{:.0%}", ("within", 0.10)),
    ("position from words alone: accuracy", "position_accuracy", "{:.3f}", ("at most", 0.02)),
    ("position from words alone: recall of sentence 1", "first_recall", "{:.3f}", ("at most", 0.02)),
]


def cell(s: Style, attribute: str, fmt: str) -> str:
    if attribute == "words_mean":
        return fmt.format(s.words_mean, s.words_sd)
    return fmt.format(getattr(s, attribute))


def within_bound(corpus: Style, sample: Style, attribute: str, bound: tuple[str, float]) -> bool:
    kind, amount = bound
    gap = getattr(corpus, attribute) - getattr(sample, attribute)
    return abs(gap) <= amount if kind == "within" else gap <= amount


def table(columns: dict[str, Style], sample: Style | None) -> str:
    """A markdown table: one column per corpus, then the sample and the bound it checks."""
    head = ["measure", *columns]
    if sample is not None:
        head += ["ROCStories sample", "bound (new corpus vs sample)", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    first = next(iter(columns.values()))
    for label, attribute, fmt, bound in ROWS:
        row = [label, *(cell(s, attribute, fmt) for s in columns.values())]
        if sample is not None:
            kind, amount = bound
            shown = f"{amount:.0%}" if attribute in ("first_person", "name_opening") else amount
            row += [cell(sample, attribute, fmt), f"{kind} {shown}".replace("%", " points"),
                    "yes" if within_bound(first, sample, attribute, bound) else "**no**"]
        lines.append("| " + " | ".join(row) + " |")
    counts = ", ".join(f"{name} {s.stories:,}" for name, s in columns.items())
    if sample is not None:
        counts += f", ROCStories sample {sample.stories:,}"
    return "\n".join(lines) + f"\n\nStories: {counts}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=embedded_corpus_path())
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--old", metavar="REV", help="also measure the corpus at this git revision")
    args = parser.parse_args(argv)
    corpus = read(args.corpus)
    sample = read(args.sample) if args.sample.is_file() else None
    corpora = {"corpus": corpus}
    if args.old:
        corpora = {"new corpus": corpus, f"old corpus ({args.old})": corpus_at(args.old)}
    limit = len(sample) if sample else max(len(c) for c in corpora.values())
    sizes = {name: min(len(c), limit) for name, c in corpora.items()}
    columns = {name: style(c, sizes[name]) for name, c in corpora.items()}
    n = next(iter(sizes.values()))
    measured = style(sample, n) if sample else None
    if measured is None:
        print(f"no ROCStories sample at {args.sample}: the corpus alone", file=sys.stderr)
    print(table(columns, measured))
    tested = ", ".join(f"{name} {k:,}" for name, k in sizes.items())
    print(f"\nPosition test: stories used ({tested}{', ROCStories sample' if sample else ''}"
          f"{f' {n:,}' if sample else ''}), {TEST_SHARE:.0%} of each held out by a hash of the "
          "story id.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
