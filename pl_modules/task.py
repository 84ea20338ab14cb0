"""The sentence-ordering task: seeded shuffles of each story and a fixed train/val/test split.

A story's shuffle depends only on the seed and its `storyid`, and its split only on its
`storyid`, so both are reproducible whatever order the stories come in and however the data is
batched or sharded across processes.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import datasets
import numpy as np

from pl_modules.errors import InputError

SPLITS = ("train", "val", "test")


def _id_hash(storyid: str) -> int:
    return int.from_bytes(hashlib.sha256(storyid.encode("utf-8")).digest()[:8], "big")


def shuffle_story(sentences: list[str], storyid: str, seed: int) -> list[int]:
    """Return `order`, where `order[k]` is the original position of the sentence shown k-th."""
    rng = np.random.default_rng([seed, _id_hash(storyid)])
    return rng.permutation(len(sentences)).tolist()


def marked_text(sentences: list[str], marker: str) -> str:
    """Join sentences, each preceded by the marker token whose output scores its position."""
    return " ".join(f"{marker} {s}" for s in sentences)


def make_ordering_examples(stories: datasets.Dataset, marker: str, seed: int) -> datasets.Dataset:
    """Add the shuffled sentences, the marker-prefixed `text` and the `labels` (original position
    of the sentence at each shuffled position) to every story."""

    def shuffle(story: dict) -> dict:
        order = shuffle_story(story["sentences"], story["storyid"], seed)
        shuffled = [story["sentences"][i] for i in order]
        return {"shuffled": shuffled, "text": marked_text(shuffled, marker), "labels": order}

    return stories.map(shuffle, desc="Shuffling stories")


def split_name(storyid: str, val_fraction: float, test_fraction: float) -> str:
    """The split a story belongs to, from a hash of its id alone."""
    u = _id_hash("split:" + storyid) / 2**64
    if u < test_fraction:
        return "test"
    if u < test_fraction + val_fraction:
        return "val"
    return "train"


def split_stories(
    stories: datasets.Dataset, val_fraction: float = 0.1, test_fraction: float = 0.1
) -> datasets.DatasetDict:
    """Split stories into train/val/test by a hash of their ids (stable as a corpus grows)."""
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise InputError(
            f"data.val_fraction={val_fraction} and data.test_fraction={test_fraction} must be "
            "in [0, 1) and leave some stories for training"
        )
    ids = stories["storyid"]
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise InputError(
            f"story ids must be unique; repeated: {dupes[:5]}; give each story in the story "
            "files its own storyid"
        )
    names = np.array([split_name(i, val_fraction, test_fraction) for i in ids])
    return datasets.DatasetDict(
        {s: stories.select(np.flatnonzero(names == s).tolist()) for s in SPLITS}
    )
