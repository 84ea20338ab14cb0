"""The `LightningDataModule`: stories in, padded batches of marker-tokenised shuffles out.

`prepare_data` runs once per machine and writes the tokenised splits to disk; `setup` runs in
every process and reads them back. State assigned in `prepare_data` would be lost in the other
processes of a multi-process run, so nothing else crosses between the two hooks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import datasets
import lightning.pytorch as pl
import torch
from lightning.pytorch.overrides.distributed import UnrepeatedDistributedSampler
from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Sampler
from transformers import PreTrainedTokenizerBase

from pl_modules.backbone import EMBEDDED_MODEL, load_tokenizer, marker_token
from pl_modules.errors import InputError
from pl_modules.stories import EMBEDDED, StorySource, embedded_corpus_path, load_stories
from pl_modules.task import SPLITS, make_ordering_examples, split_stories

LABEL_PAD = -100
BATCH_COLUMNS = ["storyid", "input_ids", "labels"]
DATA_FORMAT = 1  # bump when the saved splits change shape


def default_cache_dir() -> Path:
    """`$PL_MODULES_CACHE`, else `~/.cache/pl_modules`."""
    return Path(os.environ.get("PL_MODULES_CACHE", Path.home() / ".cache" / "pl_modules"))


def tokenize_story(example: dict, tokenizer: PreTrainedTokenizerBase, max_length: int) -> dict:
    """Token ids of the marker-prefixed text, cut to `max_length` with the separator kept last,
    and the labels of the sentences whose marker survived the cut (`truncated` says whether a
    marker was lost; a sentence cut short after its marker still counts)."""
    marker_id = marker_token(tokenizer)[1]
    ids = tokenizer(example["text"], add_special_tokens=False, verbose=False)["input_ids"]
    end = [tokenizer.sep_token_id] if tokenizer.sep_token_id is not None else []
    kept = ids[: max_length - len(end)] + end
    markers = sum(1 for t in kept if t == marker_id)
    if markers > len(example["labels"]):
        raise InputError(
            f"story {example['storyid']!r}: a sentence contains the marker token "
            f"{tokenizer.cls_token!r} as text, which would be read as an extra sentence; "
            "remove it from the story"
        )
    if markers < 2:
        raise InputError(
            f"story {example['storyid']!r}: only {markers} of {len(example['labels'])} sentence "
            f"markers survive truncation to max_length={max_length} (the text has {len(ids) + len(end)} "
            f"tokens), so there is nothing to order; raise data.max_length to {len(ids) + len(end)}"
        )
    return {
        "input_ids": kept,
        "labels": example["labels"][:markers],
        "truncated": markers < len(example["labels"]),
    }


class EpochShuffler(Sampler[int]):
    """A new order of the training stories each epoch, drawn from the seed and the epoch alone,
    so a run resumed from a checkpoint sees the same batches as one never interrupted.
    (Lightning calls `set_epoch` at the start of every epoch.)"""

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.seed, self.epoch = size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        return iter(torch.randperm(self.size, generator=generator).tolist())

    def __len__(self) -> int:
        return self.size


@dataclass
class OrderingCollator:
    """Pads a batch to its longest story (not the model's maximum) and its labels with -100."""

    pad_token_id: int

    def __call__(self, examples: list[dict]) -> dict:
        ids = [torch.tensor(e["input_ids"]) for e in examples]
        return {
            "storyid": [e["storyid"] for e in examples],
            "input_ids": pad_sequence(ids, batch_first=True, padding_value=self.pad_token_id),
            "attention_mask": pad_sequence(
                [torch.ones_like(i) for i in ids], batch_first=True, padding_value=0
            ),
            "labels": pad_sequence(
                [torch.tensor(e["labels"]) for e in examples],
                batch_first=True,
                padding_value=LABEL_PAD,
            ),
        }


class StoryOrderingDataModule(pl.LightningDataModule):
    """Train/val/test splits of shuffled stories for one tokenizer.

    Args:
        model_name_or_path: model whose tokenizer (and marker token) the inputs are built for.
        stories: "embedded", ROCStories CSV paths, or a Hub dataset name (see `load_stories`).
        seed: seed of the per-story shuffles.
        val_fraction, test_fraction: shares of stories in the val and test splits.
        max_length: tokens per story, separator included; longer stories are cut.
        batch_size: training stories per batch (the `Tuner` may change it).
        eval_batch_size: stories per batch in validation, test and prediction.
        num_workers: dataloader worker processes.
        max_stories: use only the first N stories of the source (quick runs).
        cache_dir: where tokenised splits are saved (default: `default_cache_dir()`).
    """

    def __init__(
        self,
        model_name_or_path: str = EMBEDDED_MODEL,
        stories: StorySource = EMBEDDED,
        seed: int = 42,
        val_fraction: float = 0.1,
        test_fraction: float = 0.1,
        max_length: int = 256,
        batch_size: int = 32,
        eval_batch_size: int = 64,
        num_workers: int = 0,
        max_stories: int | None = None,
        cache_dir: str | None = None,
    ) -> None:
        super().__init__()
        for name, value in [("batch_size", batch_size), ("eval_batch_size", eval_batch_size)]:
            if value < 1:
                raise InputError(f"data.{name}={value}: a batch needs at least one story")
        if max_length < 8:
            raise InputError(
                f"data.max_length={max_length}: too short to hold two sentences; use at least 8"
            )
        self.save_hyperparameters()
        self.batch_size = batch_size
        self.splits: datasets.DatasetDict | None = None
        self._tokenizer: PreTrainedTokenizerBase | None = None

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        if self._tokenizer is None:
            self._tokenizer = load_tokenizer(self.hparams.model_name_or_path)
        return self._tokenizer

    @property
    def split_path(self) -> Path:
        """Folder of the tokenised splits, named by everything that determines them."""
        h = self.hparams
        sources = [h.stories] if isinstance(h.stories, str) else list(h.stories)
        key = {
            "format": DATA_FORMAT,
            "sources": [_source_fingerprint(s) for s in sources],
            "tokenizer": h.model_name_or_path,
            "vocab": len(self.tokenizer),
            **{k: h[k] for k in ("seed", "val_fraction", "test_fraction", "max_length", "max_stories")},
        }
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        return Path(h.cache_dir or default_cache_dir()) / f"splits-{digest}"

    def build_splits(self) -> datasets.DatasetDict:
        """Load, shuffle, split and tokenise the stories."""
        h = self.hparams
        stories = load_stories(h.stories)
        if h.max_stories is not None:
            stories = stories.select(range(min(h.max_stories, len(stories))))
        limit = self.tokenizer.model_max_length
        if h.max_length > limit:
            raise InputError(
                f"data.max_length={h.max_length} exceeds the {limit} tokens that "
                f"{h.model_name_or_path!r} accepts; set data.max_length to at most {limit}"
            )
        marker = marker_token(self.tokenizer)[0]
        splits = split_stories(stories, h.val_fraction, h.test_fraction)
        empty = [name for name, split in splits.items() if len(split) == 0]
        if empty:
            raise InputError(
                f"the {', '.join(empty)} split(s) of {len(stories)} stories would be empty "
                f"(val_fraction={h.val_fraction}, test_fraction={h.test_fraction}); "
                "give more stories or larger fractions"
            )
        return datasets.DatasetDict(
            {
                name: make_ordering_examples(split, marker, h.seed).map(
                    tokenize_story,
                    fn_kwargs={"tokenizer": self.tokenizer, "max_length": h.max_length},
                    desc=f"Tokenising {name}",
                )
                for name, split in splits.items()
            }
        )

    def prepare_data(self) -> None:
        """Build the splits once and save them (atomically, so a crash leaves no half-written
        cache)."""
        target = self.split_path
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".partial-"))
        try:
            self.build_splits().save_to_disk(str(tmp))
            try:
                tmp.rename(target)
            except OSError:
                if not target.exists():  # else another process saved the same splits first
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def setup(self, stage: str | None = None) -> None:
        if self.splits is not None:
            return
        self.splits = datasets.load_from_disk(str(self.split_path))
        for name in SPLITS:
            cut = sum(self.splits[name]["truncated"])
            if cut:
                rank_zero_warn(
                    f"{name}: {cut} of {len(self.splits[name])} stories lost sentence markers to "
                    f"truncation at max_length={self.hparams.max_length}; only the surviving "
                    "sentences are scored (raise data.max_length to keep every sentence)"
                )
        sizes = ", ".join(f"{n} {len(self.splits[n])}" for n in SPLITS)
        rank_zero_info(f"Stories per split: {sizes} (from {self.split_path})")

    def _loader(self, split: str, batch_size: int, shuffle: bool) -> DataLoader:
        if self.splits is None:
            raise RuntimeError("call prepare_data() and setup() before asking for dataloaders")
        data = self.splits[split].select_columns(BATCH_COLUMNS)
        trainer = self.trainer
        if shuffle:
            sampler = EpochShuffler(len(data), self.hparams.seed)
        elif trainer is not None and trainer.world_size > 1:
            # every story once: the default sampler repeats some to even out the shards
            sampler = UnrepeatedDistributedSampler(
                data, num_replicas=trainer.world_size, rank=trainer.global_rank, shuffle=False
            )
        else:
            sampler = None
        return DataLoader(
            data,
            batch_size=batch_size,
            sampler=sampler,
            collate_fn=OrderingCollator(self.tokenizer.pad_token_id),
            num_workers=self.hparams.num_workers,
            persistent_workers=self.hparams.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", self.batch_size, shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", self.hparams.eval_batch_size, shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", self.hparams.eval_batch_size, shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", self.hparams.eval_batch_size, shuffle=False)


def _source_fingerprint(source: str) -> str:
    """A CSV file by its content, the embedded corpus by its file, a Hub name by its name."""
    path = embedded_corpus_path() if source == EMBEDDED else Path(source)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return source
