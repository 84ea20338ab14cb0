"""Command line: `python -m pl_modules fit|validate|test|predict --config configs/<run>.yaml`."""

from __future__ import annotations

import os
import re
import sys
import warnings
from pathlib import Path

from lightning.pytorch.cli import ArgsType, LightningCLI

from pl_modules.checkpoints import check_checkpoint_file
from pl_modules.data import StoryOrderingDataModule
from pl_modules.model import SentenceOrderingModel
from pl_modules.precision import resolve_precision, trainer_with_auto_precision

RUN_VERSION = "PL_MODULES_RUN_VERSION"


def next_version(folder: Path) -> str:
    """`version_N` with N one above the highest in `folder`."""
    taken = [int(m.group(1)) for p in folder.glob("version_*")
             if (m := re.fullmatch(r"version_(\d+)", p.name))]
    return f"version_{max(taken, default=-1) + 1}"


class OrderingCLI(LightningCLI):
    """`LightningCLI` with the model's name passed on to the data module (one tokenizer) and
    all loggers of a run writing to one folder."""

    def add_arguments_to_parser(self, parser) -> None:
        parser.link_arguments("model.model_name_or_path", "data.model_name_or_path")

    def parse_arguments(self, parser, args: ArgsType) -> None:
        """Parse, then check a given checkpoint file before Lightning reads its hyperparameters
        (a truncated file would otherwise fail deep inside torch)."""
        super().parse_arguments(parser, args)
        subcommand = self.config.get("subcommand")
        ckpt = self.config[subcommand].get("ckpt_path") if subcommand else None
        if ckpt and ckpt not in ("best", "last", "hpc", "registry"):
            check_checkpoint_file(ckpt)

    def before_instantiate_classes(self) -> None:
        """Drop checkpointing outside `fit` (it saves nothing there and only warns that it
        cannot resume its bookkeeping), give all loggers of the run one folder, and replace
        `precision: auto` with the precision chosen for the hardware (so the run's saved
        `config.yaml` records the one used)."""
        trainer = self._get(self.config, "trainer")
        trainer.precision = resolve_precision(trainer.precision, trainer.accelerator)
        if self.subcommand != "fit" and isinstance(trainer.callbacks, list):
            trainer.callbacks = [c for c in trainer.callbacks
                                 if not c.class_path.endswith(".ModelCheckpoint")]
        self._align_logger_versions(trainer.logger)

    @staticmethod
    def _align_logger_versions(loggers) -> None:
        """Give every logger the same version: each would otherwise pick its own next free
        `version_N`, splitting the CSV and TensorBoard logs of one run into two folders.
        Worker processes of a multi-process run inherit the version from the launching one."""
        if not isinstance(loggers, list) or len(loggers) < 2:
            return
        args = [logger.init_args for logger in loggers]
        if any(a.get("version") is not None for a in args):
            return
        if int(os.environ.get("LOCAL_RANK", 0)) == 0:
            os.environ[RUN_VERSION] = next_version(Path(args[0].save_dir) / (args[0].name or ""))
        for a in args:
            a.version = os.environ[RUN_VERSION]


def main(args: ArgsType = None) -> OrderingCLI:
    """Run the CLI; in a notebook pass `args` (a list or dict), since the kernel's `sys.argv`
    is not yours (and is then set aside while the CLI runs)."""
    argv = sys.argv
    if args is not None:
        sys.argv = argv[:1]
    try:
        with warnings.catch_warnings():
            # the checkpoint callback is left out on purpose outside `fit` (see above)
            warnings.filterwarnings("ignore", message=r"Be aware that when using `ckpt_path`")
            return OrderingCLI(
                SentenceOrderingModel,
                StoryOrderingDataModule,
                trainer_class=trainer_with_auto_precision,
                args=args,
                save_config_kwargs={"overwrite": True},
                parser_kwargs={"prog": "python -m pl_modules"},
            )
    finally:
        sys.argv = argv
