"""Runs of `configs/embedded.yaml` through the package's command line, for the benchmarks that
compare such runs (`rocstories.py`, `precision.py`): the config as a reader runs it, changed only
by the overrides a benchmark passes."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import lightning.pytorch as pl

from pl_modules.cli import OrderingCLI, main

EMBEDDED_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "embedded.yaml"
QUIET = ["--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false"]


def run_embedded(folder: Path, subcommand: str, *overrides: str) -> OrderingCLI:
    """`python -m pl_modules SUBCOMMAND --config configs/embedded.yaml OVERRIDES`, run inside
    `folder` (the config's loggers write to `runs/` there)."""
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(folder):
        return main(args=[subcommand, "--config", str(EMBEDDED_CONFIG), *overrides, *QUIET])


def best_checkpoint(fit: OrderingCLI, folder: Path) -> Path:
    """The best checkpoint (by validation tau) of a `fit` run inside `folder`."""
    return folder / fit.trainer.checkpoint_callback.best_model_path


def smoke_overrides(max_epochs: int | None, max_stories: int | None) -> list[str]:
    """Overrides for a quick check of a benchmark script (its figures are not measurements)."""
    return ([] if max_epochs is None else ["--trainer.max_epochs", str(max_epochs)]) + (
        [] if max_stories is None else ["--data.max_stories", str(max_stories)])


class EpochTimer(pl.Callback):
    """Wall seconds of each training epoch, its validation included. Add it to a run with
    `--trainer.callbacks+=embedded_run.EpochTimer` (this folder is on `sys.path` when a script
    in it runs)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_train_epoch_start(self, trainer, module) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer, module) -> None:
        self.seconds.append(time.perf_counter() - self.start)
