"""The embedded run in float32 and in bfloat16 mixed precision on this machine.

Seconds per epoch and test scores side by side, from the same seed.

    python benchmarks/precision.py                                   # the measurement
    python benchmarks/precision.py --max-epochs 1 --max-stories 200  # a smoke run

Both runs are `configs/embedded.yaml` through the package's command line, with
`--trainer.precision` set to `32-true` and to `bf16-mixed` instead of the config's `auto`, then
tested with their best checkpoint. Seconds per epoch are the mean wall time of a training epoch,
its validation included (the sanity check and set-up not).
`auto` picks bf16-mixed on this CPU only if it computes bfloat16 natively (`pl_modules.precision`);
the book keeps bf16-mixed there only if the test tau moves by at most 0.01.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from embedded_run import EpochTimer, best_checkpoint, run_embedded, smoke_overrides

from pl_modules.notebook import quiet_logs
from pl_modules.precision import choose_precision

PRECISIONS = ("32-true", "bf16-mixed")
TAU_TOLERANCE = 0.01


def measure(folder: Path, precision: str, smoke: list[str]) -> dict[str, float]:
    """Train and test the embedded config in one precision."""
    common = ["--trainer.precision", precision, *smoke]
    fit = run_embedded(folder, "fit", *common, "--trainer.callbacks+=embedded_run.EpochTimer")
    epoch_seconds = next(c for c in fit.trainer.callbacks if isinstance(c, EpochTimer)).seconds
    tested = run_embedded(folder, "test", *common, "--verbose", "false",
                          "--ckpt_path", str(best_checkpoint(fit, folder)))
    metrics = {k: float(v) for k, v in tested.trainer.callback_metrics.items()}
    return {"epochs": len(epoch_seconds), "s/epoch": sum(epoch_seconds) / len(epoch_seconds),
            **metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-epochs", type=int, help="fewer epochs than the config (smoke run)")
    parser.add_argument("--max-stories", type=int, help="the first N stories only (smoke run)")
    args = parser.parse_args()
    quiet_logs()
    smoke = smoke_overrides(args.max_epochs, args.max_stories)
    with tempfile.TemporaryDirectory(prefix="precision-benchmark-") as tmp:
        rows = {p: measure(Path(tmp) / p, p, smoke) for p in PRECISIONS}
    choice = choose_precision("cpu")
    print(f"\nconfigs/embedded.yaml on the CPU, seed 42, max_epochs {rows['32-true']['epochs']}, "
          f"torch threads {torch.get_num_threads()}"
          + (" (smoke run: " + " ".join(smoke) + ")" if smoke else ""))
    print(f"precision: auto picks {choice.precision} here, because {choice.reason}")
    print(f"{'precision':11} {'s/epoch':>8} {'test tau':>9} {'test acc':>9} {'test pmr':>9}")
    for p, r in rows.items():
        print(f"{p:11} {r['s/epoch']:8.1f} {r['test_tau']:9.4f} {r['test_acc']:9.4f} "
              f"{r['test_pmr']:9.4f}")
    fp32, bf16 = rows["32-true"], rows["bf16-mixed"]
    change = bf16["test_tau"] - fp32["test_tau"]
    print(f"\nbf16-mixed / 32-true seconds per epoch = {bf16['s/epoch'] / fp32['s/epoch']:.3f}")
    print(f"test tau bf16-mixed - 32-true = {change:+.4f} (keep bf16-mixed on this CPU only if "
          f"within {TAU_TOLERANCE}: {'yes' if abs(change) <= TAU_TOLERANCE else 'NO'})")


if __name__ == "__main__":
    main()
