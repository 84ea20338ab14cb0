"""Ordering new text with a trained model."""

from __future__ import annotations

from pathlib import Path

import torch

from pl_modules.backbone import load_tokenizer
from pl_modules.data import OrderingCollator, tokenize_story
from pl_modules.errors import InputError
from pl_modules.model import SentenceOrderingModel
from pl_modules.task import marked_text


@torch.no_grad()
def order_sentences(
    model: SentenceOrderingModel | str | Path, sentences: list[str], max_length: int = 512
) -> list[str]:
    """Return `sentences` in the order the model predicts; `model` may be a checkpoint path."""
    if len(sentences) < 2 or any(not s.strip() for s in sentences):
        raise InputError("give at least two non-empty sentences to order")
    if not isinstance(model, SentenceOrderingModel):
        model = SentenceOrderingModel.load_from_checkpoint(model, map_location="cpu")
    tokenizer = load_tokenizer(model.hparams.model_name_or_path)
    marker = tokenizer.cls_token
    example = {"storyid": "input", "text": marked_text(sentences, marker),
               "labels": list(range(len(sentences)))}
    needed = len(tokenizer(example["text"], add_special_tokens=False)["input_ids"]) + 1
    if needed > max_length:
        raise InputError(
            f"the sentences take {needed} tokens with their markers, more than "
            f"max_length={max_length}; order fewer or shorter sentences, or raise max_length "
            f"(the model accepts up to {tokenizer.model_max_length})"
        )
    features = tokenize_story(example, tokenizer, max_length)
    batch = OrderingCollator(tokenizer.pad_token_id)([{**example, **features}])
    was_training = model.training
    model.eval()
    scores = model(batch["input_ids"].to(model.device), batch["attention_mask"].to(model.device),
                   len(sentences))
    model.train(was_training)
    return [sentences[i] for i in torch.argsort(scores[0]).tolist()]
