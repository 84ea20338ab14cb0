"""The original experiment on a GPU, checked against its published figures.

`configs/rocstories_bert.yaml` is fitted and tested through the package's command line; the test
tau, accuracy and perfect match ratio are printed beside the published bert-base-cased figures,
with the tolerance tau must meet.

    ROCSTORIES_CSV=path/to/ROCStories_spring2016.csv python benchmarks/gpu_check.py
    python benchmarks/gpu_check.py --stories a.csv b.csv -- --trainer.devices 2   # more overrides

Needs a CUDA GPU, the ROCStories CSV file(s) (`ROCSTORIES_CSV`, several separated by the
operating system's path separator, or `--stories`) and, once, internet access to download
bert-base-cased. Arguments after `--` are passed on to both command-line calls (a smoke run on a
CPU: `-- --trainer.accelerator cpu --model.model_name_or_path FOLDER --trainer.max_steps 3`).
The run is written to `runs/rocstories_bert/` in the working folder. Exit status 1 when the test
tau misses the published one by more than the tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pl_modules.cli import main as cli
from pl_modules.notebook import quiet_logs

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "rocstories_bert.yaml"
# Keller (2022), bert-base-cased on ROCStories: test_results_*.json of the original repository
PUBLISHED = {"test_tau": 0.7852, "test_acc": 0.6962, "test_pmr": None}
TAU_TOLERANCE = 0.02


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", nargs="+", default=[
        p for p in os.environ.get("ROCSTORIES_CSV", "").split(os.pathsep) if p.strip()],
        help="ROCStories CSV files (default: $ROCSTORIES_CSV)")
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if not args.stories:
        parser.error("no ROCStories: set ROCSTORIES_CSV=path/to/ROCStories.csv or pass --stories")
    quiet_logs()
    common = ["--config", str(CONFIG), "--data.stories", json.dumps(args.stories),
              "--trainer.enable_progress_bar", "false", *extra]
    fit = cli(args=["fit", *common])
    best = fit.trainer.checkpoint_callback.best_model_path
    tested = cli(args=["test", *common, "--ckpt_path", best, "--verbose", "false"])
    ours = {k: float(v) for k, v in tested.trainer.callback_metrics.items()}

    print(f"\nconfigs/rocstories_bert.yaml on {fit.trainer.accelerator.__class__.__name__}, "
          f"precision {fit.trainer.precision}, {len(tested.datamodule.splits['test'])} test "
          f"stories; best checkpoint {best}")
    print(f"{'':10} {'this run':>9} {'published':>10} {'difference':>11}")
    for name, label in [("test_tau", "tau"), ("test_acc", "accuracy"), ("test_pmr", "PMR")]:
        published = PUBLISHED[name]
        if published is None:
            print(f"{label:10} {ours[name]:9.4f} {'-':>10} {'-':>11}")
        else:
            print(f"{label:10} {ours[name]:9.4f} {published:10.4f} {ours[name] - published:+11.4f}")
    miss = abs(ours["test_tau"] - PUBLISHED["test_tau"])
    verdict = "met" if miss <= TAU_TOLERANCE else "NOT met"
    print(f"\ntau within {TAU_TOLERANCE} of the published {PUBLISHED['test_tau']}: {verdict} "
          f"(off by {miss:.4f})")
    return 0 if miss <= TAU_TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
