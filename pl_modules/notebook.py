"""Quiet, readable output for notebooks and the built book."""

from __future__ import annotations

import logging
import warnings

import datasets
import transformers


def quiet_logs() -> None:
    """Keep warnings and errors, drop the informational chatter of Lightning, `datasets` and
    `transformers` (tips, progress bars, 'GPU available' lines) so cell outputs show results."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    # raised inside Lightning 2.6 itself on torch 2.13, not by anything a reader does
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
