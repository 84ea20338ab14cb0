"""The original tutorial's two costly choices, kept here only to measure them against."""

from __future__ import annotations

import torch
from torch.nn.functional import mse_loss
from torch.utils.data import DataLoader

from pl_modules import StoryOrderingDataModule
from pl_modules.data import BATCH_COLUMNS, LABEL_PAD, OrderingCollator


def original_loss(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The loss one story at a time, in a Python loop."""
    total = scores.new_zeros(())
    for s, y in zip(scores, labels):
        keep = y != LABEL_PAD
        total = total + mse_loss(s[keep], y[keep].to(s.dtype))
    return total / len(scores)


class MaxLengthCollator(OrderingCollator):
    """Pads every story to the model's maximum length instead of the batch's longest story."""

    def __init__(self, pad_token_id: int, max_length: int) -> None:
        super().__init__(pad_token_id)
        self.max_length = max_length

    def __call__(self, examples: list[dict]) -> dict:
        batch = super().__call__(examples)
        extra = self.max_length - batch["input_ids"].size(1)
        pad = torch.nn.functional.pad
        batch["input_ids"] = pad(batch["input_ids"], (0, extra), value=self.pad_token_id)
        batch["attention_mask"] = pad(batch["attention_mask"], (0, extra), value=0)
        return batch


class MaxLengthDataModule(StoryOrderingDataModule):
    """Training batches padded to `pad_length` tokens."""

    def __init__(self, *args, pad_length: int = 512, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pad_length = pad_length

    def train_dataloader(self) -> DataLoader:
        return DataLoader(
            self.splits["train"].select_columns(BATCH_COLUMNS), batch_size=self.batch_size,
            shuffle=True, collate_fn=MaxLengthCollator(self.tokenizer.pad_token_id, self.pad_length))
