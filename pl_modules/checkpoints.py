"""Checkpoints that fail early and clearly, and that resume a run exactly."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import numpy as np
import torch

from pl_modules.errors import InputError, MissingFileError


class CheckpointError(InputError):
    """A checkpoint that cannot be used for this run."""


def check_checkpoint_file(path: str | Path) -> None:
    """Refuse a missing, truncated or corrupt checkpoint before Lightning or torch trip on it."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: no such checkpoint; look in the run's checkpoints/ folder")
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError) as err:
        raise CheckpointError(
            f"{path}: not a complete checkpoint ({err}); it may be truncated by an interrupted "
            "copy or run. Use another checkpoint (last.ckpt or best.ckpt) or train again"
        ) from None
    if broken is not None:
        raise CheckpointError(f"{path}: corrupt checkpoint (bad data in {broken}); use another one")


def check_same_encoder(checkpoint: dict, model_name_or_path: str) -> None:
    """Refuse weights trained from another pretrained encoder than the one this run builds."""
    trained = checkpoint.get("hyper_parameters", {}).get("model_name_or_path")
    if trained is not None and trained != model_name_or_path:
        raise CheckpointError(
            f"the checkpoint was trained from {trained!r} but this run builds {model_name_or_path!r}; "
            f"set model.model_name_or_path to {trained!r} or use a checkpoint of this model"
        )


def rng_states() -> dict:
    """The random generators' states, saved with a checkpoint so a resumed run draws the same
    dropout masks as an uninterrupted one."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return {  # tensors and plain numbers only, so `torch.load(weights_only=True)` accepts them
        "torch": torch.get_rng_state(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss],
        "python": random.getstate(),
    }


def restore_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    kind, keys, pos, has_gauss, gauss = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    random.setstate(states["python"])
