"""The embedded story corpus obeys every rule of its writing brief that a program can check, and
its dataset card (pl_modules/corpus/README.md) states the corpus's current headline numbers."""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from pl_modules.stories import SENTENCE_COLUMNS, embedded_corpus_path, load_stories
from pl_modules.task import split_stories

CORPUS = embedded_corpus_path().parent
STORIES, META, CARD = CORPUS / "stories.csv", CORPUS / "stories_meta.csv", CORPUS / "README.md"
STORY_HEADER = ["storyid", "storytitle", *SENTENCE_COLUMNS]
META_HEADER = ["storyid", "topic", "character"]

MIN_STORIES = 1500
MIN_WORDS, MAX_WORDS = 4, 25
SENTENCE_END = re.compile(r"[.!?][\"'”’]?$")  # . ! or ?, optionally followed by a closing quote
NUMBERING_OPENING = re.compile(r"(First|Firstly|Then|Next|Finally|Lastly|In the end)\b")
MAX_TITLE_WORDS = 5
MIN_TOPICS = 40
MIN_CHARACTERS = 300
MAX_STORIES_PER_CHARACTER = 6
MAX_STORIES_PER_SENTENCE = 2
# TF-IDF cosine similarity of two whole stories (word unigrams + bigrams). Over all ~1.3 million
# pairs the 99.9th percentile is about 0.10 and the maximum about 0.31 (two different ice-cream
# plots); a copy with the name and a few words changed scores about 0.8, and a paraphrase of three
# of five sentences about 0.6.
MAX_SIMILARITY = 0.35
VAL_FRACTION = TEST_FRACTION = 0.1


@cache
def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    """Header and rows; extra fields land under the key None, missing ones have the value None."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def stories() -> list[dict]:
    return read_csv(STORIES)[1]


def meta() -> list[dict]:
    return read_csv(META)[1]


def sentences(story: dict) -> list[str]:
    return [(story[c] or "").strip() for c in SENTENCE_COLUMNS]


def all_sentences() -> list[tuple[str, str]]:
    """(storyid, sentence) for every sentence of the corpus."""
    return [(s["storyid"], x) for s in stories() for x in sentences(s)]


def n_words(text: str) -> int:
    return len(text.split())


def repeated(values) -> list:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def offenders(rows, bad) -> list:
    """The rows for which `bad(row)` is true (the first ten, for a readable failure message)."""
    return [row for row in rows if bad(row)][:10]


@cache
def similar_pairs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, cosine) for every pair of stories i < j whose TF-IDF vectors share a term."""
    texts = [" ".join(sentences(s)) for s in stories()]
    tfidf = TfidfVectorizer(ngram_range=(1, 2)).fit_transform(texts)  # rows are L2-normalized
    sim = (tfidf @ tfidf.T).tocoo()
    upper = sim.row < sim.col
    return sim.row[upper], sim.col[upper], sim.data[upper]


@cache
def split_sizes() -> dict[str, int]:
    split = split_stories(load_stories(), VAL_FRACTION, TEST_FRACTION)
    return {name: len(part) for name, part in split.items()}


@pytest.mark.parametrize(("path", "header"), [(STORIES, STORY_HEADER), (META, META_HEADER)])
def test_header_is_exact(path, header):
    assert read_csv(path)[0] == header


def test_corpus_is_large_enough():
    assert len(stories()) >= MIN_STORIES


def test_story_ids_are_unique_and_non_empty():
    ids = [s["storyid"] for s in stories()]
    assert all(i and i == i.strip() for i in ids)
    assert repeated(ids) == []


def test_meta_rows_align_one_to_one_with_stories():
    assert [m["storyid"] for m in meta()] == [s["storyid"] for s in stories()]
    assert offenders(meta(), lambda m: None in m or not all((m[c] or "").strip() for c in META_HEADER)) == []


def test_every_story_has_exactly_five_non_empty_sentences():
    assert offenders(stories(), lambda s: None in s or not all(sentences(s))) == []


def test_sentence_lengths_are_within_limits():
    assert offenders(all_sentences(), lambda p: not MIN_WORDS <= n_words(p[1]) <= MAX_WORDS) == []


def test_sentences_end_with_terminal_punctuation():
    assert offenders(all_sentences(), lambda p: not SENTENCE_END.search(p[1])) == []


def test_no_sentence_starts_with_a_numbering_word():
    # the order must follow from the events, not from "First ... Then ... Finally"
    assert offenders(all_sentences(), lambda p: NUMBERING_OPENING.match(p[1])) == []


def test_titles_are_short_and_non_empty():
    assert offenders(stories(), lambda s: not 1 <= n_words(s["storytitle"]) <= MAX_TITLE_WORDS) == []


def test_enough_topics_and_main_characters():
    assert len({m["topic"] for m in meta()}) >= MIN_TOPICS
    assert len({m["character"] for m in meta()}) >= MIN_CHARACTERS


def test_main_characters_are_one_first_name_used_a_few_times_at_most():
    names = Counter(m["character"] for m in meta())
    assert [n for n in names if n_words(n) != 1] == []
    assert [n for n, k in names.items() if k > MAX_STORIES_PER_CHARACTER] == []


def test_main_character_is_named_in_the_first_sentence():
    def unnamed(pair):
        story, m = pair
        return not re.search(rf"\b{re.escape(m['character'])}\b", sentences(story)[0])

    assert offenders(list(zip(stories(), meta())), unnamed) == []


def test_no_sentence_appears_in_more_than_two_stories():
    counts = Counter(x for s in stories() for x in {y.lower() for y in sentences(s)})
    assert [x for x, n in counts.items() if n > MAX_STORIES_PER_SENTENCE] == []


def test_no_two_stories_are_near_duplicates():
    i, j, sim = similar_pairs()
    ids = [s["storyid"] for s in stories()]
    too_close = [(ids[a], ids[b], round(float(v), 3)) for a, b, v in zip(i, j, sim) if v >= MAX_SIMILARITY]
    assert too_close == []


def test_no_two_stories_share_title_and_character():
    keys = [(s["storytitle"].strip().lower(), m["character"]) for s, m in zip(stories(), meta())]
    assert repeated(keys) == []


def headline_numbers() -> dict[str, str]:
    """The card's headline table, recomputed: label -> value as the card writes it."""
    sents = [x for _, x in all_sentences()]
    splits = split_sizes()
    numbers = {
        "Stories": len(stories()),
        "Sentences": len(sents),
        "Words": sum(map(n_words, sents)),
        "Topics": len({m["topic"] for m in meta()}),
        "Distinct main characters": len({m["character"] for m in meta()}),
        "Train stories": splits["train"],
        "Validation stories": splits["val"],
        "Test stories": splits["test"],
    }
    return {label: f"{n:,}" for label, n in numbers.items()} | {
        "Near-duplicate threshold": f"{MAX_SIMILARITY:.2f}",
        "Highest pairwise similarity": f"{similar_pairs()[2].max():.3f}",
    }


def test_dataset_card_states_the_current_headline_numbers():
    card = CARD.read_text(encoding="utf-8")
    stale = [f"| {label} | {value} |" for label, value in headline_numbers().items()
             if f"| {label} | {value} |" not in card]
    assert stale == [], "update pl_modules/corpus/README.md: these rows are missing or stale"
