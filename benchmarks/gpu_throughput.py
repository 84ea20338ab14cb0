"""GPU training throughput of a bert-base-sized encoder: fp32 against bf16-mixed, dynamic against
max-length padding, and the projected time of the original experiment (about 42,000 training
stories, 3 epochs). Needs no download: the encoder is built from `BertConfig()` (random weights,
the bert-base architecture) with the embedded model's tokenizer, on the embedded corpus.

    python benchmarks/gpu_throughput.py                          # on a GPU
    python benchmarks/gpu_throughput.py --tiny --cpu --steps 3   # smoke run of the script on a CPU

Model FLOP utilisation (MFU) counts 6 x parameters x tokens per training step (padding included,
since the hardware computes it) against `--peak-tflops` (default 989: dense bf16 of an H100 SXM).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import lightning.pytorch as pl
import torch
from original_recipe import MaxLengthDataModule
from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

from pl_modules import SentenceOrderingModel, StoryOrderingDataModule
from pl_modules.backbone import EMBEDDED_MODEL, resolve_model_path
from pl_modules.notebook import quiet_logs

ORIGINAL_STORIES, ORIGINAL_EPOCHS = 42_000, 3


def build_encoder(folder: Path, tiny: bool) -> str:
    """Save a randomly initialised bert-base-sized (or tiny) encoder with the embedded tokenizer."""
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(EMBEDDED_MODEL))
    sizes = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=128) if tiny else {}
    BertForTokenClassification(BertConfig(vocab_size=len(tokenizer), num_labels=1, **sizes)
                               ).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


class Throughput(pl.Callback):
    """Stories and computed tokens per second after `warmup` steps."""

    def __init__(self, warmup: int) -> None:
        self.warmup, self.stories, self.tokens = warmup, 0, 0

    @staticmethod
    def _now(module) -> float:
        if module.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter()

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        if batch_idx == self.warmup:
            self.start = self._now(module)

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
        if batch_idx >= self.warmup:
            self.stories += batch["labels"].size(0)
            self.tokens += batch["input_ids"].numel()
            self.seconds = self._now(module) - self.start


def measure(encoder: str, precision: str, padding: str, args) -> dict:
    kwargs = dict(batch_size=args.batch_size)
    dm = (MaxLengthDataModule(encoder, pad_length=args.max_length, **kwargs)
          if padding == "max-length" else StoryOrderingDataModule(encoder, **kwargs))
    torch.manual_seed(0)
    model = SentenceOrderingModel(encoder, pooling="marker")
    timer = Throughput(args.warmup)
    pl.Trainer(accelerator="cpu" if args.cpu else "gpu", devices=1, precision=precision,
               max_steps=args.warmup + args.steps, limit_val_batches=0, logger=False,
               enable_checkpointing=False, enable_progress_bar=False,
               enable_model_summary=False, callbacks=[timer]).fit(model, datamodule=dm)
    params = sum(p.numel() for p in model.parameters())
    stories_s, tokens_s = timer.stories / timer.seconds, timer.tokens / timer.seconds
    return {
        "stories/s": stories_s,
        "tokens/s": tokens_s,
        "projected min": ORIGINAL_STORIES * ORIGINAL_EPOCHS / stories_s / 60,
        "MFU": 6 * params * tokens_s / (args.peak_tflops * 1e12),
        "params": params,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--peak-tflops", type=float, default=989.0)
    parser.add_argument("--tiny", action="store_true", help="a 2-layer encoder (smoke test)")
    parser.add_argument("--cpu", action="store_true", help="run on the CPU (smoke test)")
    args = parser.parse_args()
    quiet_logs()
    if not args.cpu and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run on a GPU, or pass --cpu --tiny for a smoke run")
    device = "CPU" if args.cpu else torch.cuda.get_device_name()
    variants = [("32-true", "dynamic"), ("bf16-mixed", "dynamic"),
                ("32-true", "max-length"), ("bf16-mixed", "max-length")]
    with tempfile.TemporaryDirectory() as folder:
        encoder = build_encoder(Path(folder), args.tiny)
        rows = {(p, pad): measure(encoder, p, pad, args) for p, pad in variants}
    params = next(iter(rows.values()))["params"]
    print(f"\n{device}; encoder {params / 1e6:.1f} M parameters; batch {args.batch_size}; "
          f"{args.steps} timed steps after {args.warmup}; max length {args.max_length}")
    print(f"{'precision':11} {'padding':11} {'stories/s':>10} {'tokens/s':>11} "
          f"{'original run (min)':>19} {'MFU':>7}")
    for (p, pad), r in rows.items():
        print(f"{p:11} {pad:11} {r['stories/s']:10.1f} {r['tokens/s']:11.0f} "
              f"{r['projected min']:19.2f} {r['MFU']:7.1%}")
    base = rows[("32-true", "max-length")]["stories/s"]
    best = rows[("bf16-mixed", "dynamic")]
    print(f"\nbf16-mixed + dynamic padding / fp32 + max-length padding = {best['stories/s'] / base:.2f}x")
    print(f"projected original experiment ({ORIGINAL_STORIES} stories x {ORIGINAL_EPOCHS} epochs): "
          f"{best['projected min']:.2f} min (goal < 2 min on one H100)")


if __name__ == "__main__":
    main()
