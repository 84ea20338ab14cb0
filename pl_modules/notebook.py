"""Notebook helpers: quiet logs, and `glue` that works in the book build and on Colab alike."""

from __future__ import annotations

import logging
import warnings
from typing import Any

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


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Store a value for the book's text (myst-nb's `glue`). Where myst-nb is not installed
    (a chapter run on Colab, which only needs the package), show the value if asked to."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(variable)
        return
    myst_glue(name, variable, display=display)
