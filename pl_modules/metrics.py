"""Sentence-ordering metrics on padded batches, vectorised over stories.

Shapes: `scores`, `target` and `mask` are `(stories, max_sentences)`; `mask` is False at padding
(and at sentences whose marker was truncated away). `target[b, i]` is the original position of
the sentence shown at position `i` of story `b`.
"""

from __future__ import annotations

import torch
from torch import Tensor


def predicted_positions(scores: Tensor, mask: Tensor) -> Tensor:
    """Rank the scores of each story: the predicted original position of every sentence
    (`argsort(argsort(scores))`, padding ranked last)."""
    masked = scores.masked_fill(~mask, float("inf"))
    order = torch.argsort(masked, dim=1, stable=True)
    return torch.argsort(order, dim=1, stable=True)


def kendall_tau(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Kendall's tau-b of each story between predicted and true positions (NaN below two
    sentences), equal to `scipy.stats.kendalltau`."""
    pair = mask.unsqueeze(2) & mask.unsqueeze(1)
    pair = torch.triu(pair, diagonal=1)
    dp = torch.sign(pred.unsqueeze(2) - pred.unsqueeze(1)).to(torch.float64)
    dt = torch.sign(target.unsqueeze(2) - target.unsqueeze(1)).to(torch.float64)
    concordance = (dp * dt * pair).sum((1, 2))
    untied_pred = ((dp != 0) & pair).sum((1, 2))
    untied_target = ((dt != 0) & pair).sum((1, 2))
    return concordance / torch.sqrt(untied_pred * untied_target)


def position_hits(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Per-sentence hits (predicted position equals the true one) of the unmasked sentences."""
    return (pred == target)[mask].to(torch.float32)


def perfect_matches(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """1.0 for each story whose every sentence is in its right place, else 0.0."""
    return ((pred == target) | ~mask).all(dim=1).to(torch.float32)


def ordering_metrics(scores: Tensor, target: Tensor, mask: Tensor) -> dict[str, Tensor]:
    """Per-story taus and perfect matches and per-sentence hits for one batch.

    True positions are ranks of `target` among a story's surviving sentences, so a story whose
    truncated markers left sentences 0, 2 and 4 is scored on the order of those three.
    """
    pred = predicted_positions(scores, mask)
    true = predicted_positions(target.to(scores.dtype), mask)
    return {
        "tau": kendall_tau(pred, true, mask),
        "acc": position_hits(pred, true, mask),
        "pmr": perfect_matches(pred, true, mask),
    }
