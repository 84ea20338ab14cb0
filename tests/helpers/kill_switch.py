"""A callback that kills its own process with SIGKILL at a given step, mid-epoch: the harshest
interruption a run can meet (no cleanup, no last checkpoint)."""

import os
import signal

import lightning.pytorch as pl


class KillAtStep(pl.Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGKILL)
