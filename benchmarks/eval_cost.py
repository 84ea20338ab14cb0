"""What evaluation costs: validation and test time as a share of a training epoch, and the share
of an evaluation step spent computing the metrics.

    python benchmarks/eval_cost.py [--max-stories 800]
"""

from __future__ import annotations

import argparse
import time

import lightning.pytorch as pl
import torch

from pl_modules import SentenceOrderingModel, StoryOrderingDataModule
from pl_modules.data import LABEL_PAD
from pl_modules.model import METRICS, ordering_loss
from pl_modules.metrics import ordering_metrics
from pl_modules.notebook import quiet_logs


class PhaseTimer(pl.Callback):
    """Wall time of the training batches and of validation within one epoch."""

    def on_train_epoch_start(self, trainer, module) -> None:
        self.t0 = time.perf_counter()

    def on_validation_start(self, trainer, module) -> None:
        self.train_seconds = time.perf_counter() - self.t0
        self.v0 = time.perf_counter()

    def on_validation_end(self, trainer, module) -> None:
        self.val_seconds = time.perf_counter() - self.v0


@torch.inference_mode()
def metric_share(model: SentenceOrderingModel, loader) -> tuple[float, float]:
    """Seconds in the forward pass and in loss + metrics + metric updates, over one loader."""
    model.eval()
    forward = metrics = 0.0
    for batch in loader:
        labels = batch["labels"]
        t = time.perf_counter()
        scores = model(batch["input_ids"], batch["attention_mask"], labels.size(1))
        u = time.perf_counter()
        values = ordering_metrics(scores, labels, labels != LABEL_PAD)
        values["loss"] = ordering_loss(scores, labels)
        for name in METRICS:
            model.metrics[f"val_{name}"].update(values[name])
        metrics += time.perf_counter() - u
        forward += u - t
    return forward, metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-stories", type=int, default=None, help="default: whole corpus")
    args = parser.parse_args()
    quiet_logs()
    pl.seed_everything(0)
    dm = StoryOrderingDataModule(max_stories=args.max_stories, batch_size=32, eval_batch_size=64)
    model = SentenceOrderingModel(lr=1e-4)
    timer = PhaseTimer()
    trainer = pl.Trainer(accelerator="cpu", max_epochs=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         num_sanity_val_steps=0, callbacks=[timer])
    trainer.fit(model, datamodule=dm)
    t = time.perf_counter()
    trainer.test(model, datamodule=dm, verbose=False)
    test_seconds = time.perf_counter() - t
    forward, metrics = metric_share(model, dm.val_dataloader())

    sizes = {s: len(dm.splits[s]) for s in ("train", "val", "test")}
    print(f"\nStories: {sizes}; torch threads {torch.get_num_threads()}")
    print(f"{'phase':34} {'seconds':>8} {'share of epoch':>15}")
    epoch = timer.train_seconds + timer.val_seconds
    for name, sec in [("training batches", timer.train_seconds),
                      ("validation (with metrics)", timer.val_seconds),
                      ("test (with metrics)", test_seconds)]:
        print(f"{name:34} {sec:8.2f} {sec / epoch:15.1%}")
    share = metrics / (forward + metrics)
    print(f"\nWithin an evaluation step: forward {forward:.3f} s, loss and metrics {metrics:.4f} s")
    print(f"metric share of an evaluation step = {share:.2%}  (goal < 10%)")


if __name__ == "__main__":
    main()
