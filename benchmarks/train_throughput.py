"""Training throughput on the CPU: the original tutorial's recipe, pl_modules through the Lightning
Trainer, and a hand-written PyTorch loop, on the same model, stories and number of optimiser steps.

    python benchmarks/train_throughput.py [--steps 12] [--batch-size 16]

(a) original: every text padded to the model's maximum length, the loss looping over stories in
    Python, fp32.  (b) pl_modules + Trainer: dynamic padding, vectorised loss.  (c) a plain loop
    with pl_modules' collator and loss, no Lightning.  Prints stories/s and tokens/s (real,
    unpadded tokens), then the ratios b/a and b/c.
"""

from __future__ import annotations

import argparse
import time

import lightning.pytorch as pl
import torch
from original_recipe import MaxLengthCollator, original_loss

from pl_modules import SentenceOrderingModel, StoryOrderingDataModule
from pl_modules.data import OrderingCollator
from pl_modules.model import ordering_loss
from pl_modules.notebook import quiet_logs


def timed_loop(model, loader, loss_fn, warmup: int, steps: int) -> tuple[float, int, int]:
    """Seconds, stories and real tokens of `steps` optimiser steps after `warmup` untimed ones."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    stories = tokens = 0
    batches = iter(loader)
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        batch = next(batches)
        labels = batch["labels"]
        scores = model(batch["input_ids"], batch["attention_mask"], labels.size(1))
        loss = loss_fn(scores, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if i >= warmup:
            stories += labels.size(0)
            tokens += int(batch["attention_mask"].sum())
    return time.perf_counter() - start, stories, tokens


class StepTimer(pl.Callback):
    def __init__(self, warmup: int) -> None:
        self.warmup, self.stories, self.tokens = warmup, 0, 0

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        if batch_idx == self.warmup:
            self.start = time.perf_counter()

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if batch_idx >= self.warmup:
            self.stories += batch["labels"].size(0)
            self.tokens += int(batch["attention_mask"].sum())
            self.seconds = time.perf_counter() - self.start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    quiet_logs()
    total = args.warmup + args.steps
    dm = StoryOrderingDataModule(batch_size=args.batch_size)
    dm.prepare_data()
    dm.setup("fit")
    max_length = min(dm.tokenizer.model_max_length, 512)

    def fresh_model() -> SentenceOrderingModel:
        torch.manual_seed(0)
        return SentenceOrderingModel(pooling="marker")

    def loader(collate):
        torch.manual_seed(0)
        return torch.utils.data.DataLoader(
            dm.splits["train"].select_columns(["storyid", "input_ids", "labels"]),
            batch_size=args.batch_size, shuffle=True, collate_fn=collate)

    results = {}
    pad_id = dm.tokenizer.pad_token_id
    results["(a) original"] = timed_loop(
        fresh_model(), loader(MaxLengthCollator(pad_id, max_length)), original_loss,
        args.warmup, args.steps)

    results["(c) plain PyTorch loop"] = timed_loop(
        fresh_model(), loader(OrderingCollator(pad_id)), ordering_loss, args.warmup, args.steps)

    timer = StepTimer(args.warmup)
    torch.manual_seed(0)
    trainer = pl.Trainer(
        accelerator="cpu", max_steps=total, limit_val_batches=0, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        callbacks=[timer],
    )
    trainer.fit(fresh_model(), datamodule=dm)
    results["(b) pl_modules + Trainer"] = (timer.seconds, timer.stories, timer.tokens)

    print(f"\nCPU training throughput: {args.steps} steps of {args.batch_size} stories "
          f"after {args.warmup} warm-up steps, torch threads {torch.get_num_threads()}")
    print(f"{'variant':28} {'seconds':>8} {'stories/s':>10} {'tokens/s':>10}")
    rate = {}
    for name, (sec, stories, tokens) in results.items():
        rate[name] = stories / sec
        print(f"{name:28} {sec:8.2f} {stories / sec:10.2f} {tokens / sec:10.1f}")
    b = rate["(b) pl_modules + Trainer"]
    print(f"\nb/a = {b / rate['(a) original']:.2f}   (goal >= 5)")
    print(f"b/c = {b / rate['(c) plain PyTorch loop']:.3f}  (goal >= 0.95)")


if __name__ == "__main__":
    main()
