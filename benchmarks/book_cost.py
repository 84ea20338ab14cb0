"""The book's cost: a cold build (every chapter executed) and a warm rebuild (nothing changed,
so jupyter-cache serves every chapter), timed, with each chapter's execution time.

    python benchmarks/book_cost.py [--output /tmp/book-cost]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = re.compile(r"(\S+?)(?:\.md)?: Executed notebook in ([\d.]+) seconds")


def build(output: Path) -> tuple[float, dict[str, float]]:
    """Seconds of one `jupyter-book build` and the execution seconds of each chapter it ran."""
    jb = Path(sys.executable).parent / "jupyter-book"
    start = time.perf_counter()
    run = subprocess.run(
        [str(jb), "build", str(ROOT), "--path-output", str(output), "--warningiserror",
         "--nitpick", "--keep-going", "--verbose"],
        capture_output=True, text=True,
        env={**os.environ, "PL_MODULES_RUNS": str(output / "runs")},
    )
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        (output / "build.log").write_text(run.stdout + run.stderr)
        raise SystemExit(f"the build failed; its log is {output / 'build.log'}")
    chapters = {Path(m.group(1)).name: float(m.group(2))
                for m in EXECUTED.finditer(run.stdout + run.stderr)}
    return seconds, chapters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=Path("/tmp/book-cost"))
    args = parser.parse_args()
    shutil.rmtree(args.output, ignore_errors=True)
    cold, chapters = build(args.output)
    warm, rerun = build(args.output)
    print(f"\n{'chapter':32} {'execution (s)':>14} {'share':>7}")
    total = sum(chapters.values())
    for name, sec in sorted(chapters.items(), key=lambda kv: -kv[1]):
        print(f"{name:32} {sec:14.1f} {sec / total:7.1%}")
    print(f"{'all chapters':32} {total:14.1f}")
    print(f"\ncold build (execution included): {cold:7.1f} s  (goal <= 900 s)")
    print(f"warm rebuild, nothing changed:   {warm:7.1f} s  (goal < 60 s; "
          f"{len(rerun)} chapters re-executed)")
    print(f"warm / cold = {warm / cold:.3f}")


if __name__ == "__main__":
    main()
