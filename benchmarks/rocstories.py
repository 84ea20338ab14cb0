"""Real ROCStories against the open corpus: how well the embedded config does on real stories when
it trains on real stories (in-domain) and when it trains on the open corpus (transfer).

    python benchmarks/rocstories.py                                       # the measurement
    python benchmarks/rocstories.py --max-epochs 1 --max-stories 150 --csv /tmp/rocstories.csv
                                                                          # a smoke run

Every model is `configs/embedded.yaml` trained through the package's command line, with its own
seed, epochs and checkpoint choice (best validation tau), changed only in its stories:
  (i)   in-domain: the ROCStories sample's train split (validation on the sample's val split);
  (ii)  transfer: the open corpus's train split (validation on the corpus's val split: a reader
        without ROCStories has nothing else);
  (iii) both again with the first N stories of each train split, N the smaller of the two sizes,
        so that a gap between them is not a size effect.
Splits are the package's own (a hash of each story id, the config's fractions), so the sample's
test split is the same stories in every run. Each model is tested on that held-out test split;
the transfer models also on the whole sample. The last lines compare transfer with in-domain:
at equal size, the corpus-trained model tested on the whole sample should lose at most 0.05 of
test tau against the sample-trained model tested on the held-out split.

The sample is read in place from `../shared/rocstories/rocstories_sample.csv` (or `--sample`);
the subsets each run trains on and the tokenised splits are written to a temporary folder that is
deleted at the end. Only figures are printed and written to `--csv`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import datasets
import lightning.pytorch as pl
import torch
import yaml
from embedded_run import EMBEDDED_CONFIG, best_checkpoint, run_embedded, smoke_overrides
from torch.utils.data import DataLoader

from pl_modules import SentenceOrderingModel, StoryOrderingDataModule
from pl_modules.data import BATCH_COLUMNS, OrderingCollator
from pl_modules.notebook import quiet_logs
from pl_modules.precision import resolve_precision
from pl_modules.stories import SENTENCE_COLUMNS, embedded_corpus_path, read_story_csv
from pl_modules.task import SPLITS, split_name

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "rocstories" / "rocstories_sample.csv"
GOAL = 0.05  # most test tau the corpus-trained model may lose, at equal size


@dataclass
class Result:
    run: str
    train_data: str
    train_stories: int
    test_data: str
    test_stories: int
    test_tau: float
    test_acc: float
    test_pmr: float


def split_rows(rows: list[dict], val_fraction: float, test_fraction: float) -> dict[str, list]:
    """The package's split of `rows` (by a hash of each story id), file order kept."""
    out = {name: [] for name in SPLITS}
    for row in rows:
        out[split_name(row["storyid"], val_fraction, test_fraction)].append(row)
    return out


def write_stories(path: Path, rows: list[dict]) -> Path:
    """Stories as a CSV file in the ROCStories schema."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["storyid", "storytitle", *SENTENCE_COLUMNS])
        writer.writerows([r["storyid"], r["storytitle"], *r["sentences"]] for r in rows)
    return path


def with_train_size(rows: list[dict], splits: dict[str, list], n: int) -> list[dict]:
    """`rows` with only the first `n` stories of their train split (val and test all kept)."""
    dropped = {r["storyid"] for r in splits["train"][n:]}
    return [r for r in rows if r["storyid"] not in dropped]


def evaluate(checkpoint: Path, stories: datasets.Dataset, pad_token_id: int, batch_size: int,
             accelerator: str, precision: str) -> dict[str, float]:
    """Test metrics of a checkpoint on tokenised stories, with the run's device and precision."""
    model = SentenceOrderingModel.load_from_checkpoint(checkpoint, map_location="cpu")
    loader = DataLoader(stories.select_columns(BATCH_COLUMNS), batch_size=batch_size,
                        collate_fn=OrderingCollator(pad_token_id))
    trainer = pl.Trainer(accelerator=accelerator, devices=1, precision=precision, logger=False,
                         enable_progress_bar=False, enable_model_summary=False)
    (metrics,) = trainer.test(model, dataloaders=loader, verbose=False)
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--csv", type=Path, default=Path(__file__).with_name("rocstories.csv"),
                        help="where the results go (default: benchmarks/rocstories.csv)")
    parser.add_argument("--max-epochs", type=int, help="fewer epochs than the config (smoke run)")
    parser.add_argument("--max-stories", type=int,
                        help="the first N stories of each source only (smoke run)")
    args = parser.parse_args()
    if not args.sample.is_file():
        raise SystemExit(f"no ROCStories sample at {args.sample}: pass --sample PATH")
    quiet_logs()
    config = yaml.safe_load(EMBEDDED_CONFIG.read_text())
    fractions = config["data"]["val_fraction"], config["data"]["test_fraction"]
    limit = slice(args.max_stories)
    sources = {"ROCStories sample": read_story_csv(args.sample)[limit],
               "open corpus": read_story_csv(embedded_corpus_path())[limit]}
    splits = {name: split_rows(rows, *fractions) for name, rows in sources.items()}
    n_equal = min(len(s["train"]) for s in splits.values())
    runs = [("in-domain", "ROCStories sample", len(splits["ROCStories sample"]["train"])),
            ("transfer", "open corpus", len(splits["open corpus"]["train"])),
            ("in-domain, equal size", "ROCStories sample", n_equal),
            ("transfer, equal size", "open corpus", n_equal)]
    smoke = smoke_overrides(args.max_epochs, None)

    accelerator = config["trainer"]["accelerator"]
    precision = resolve_precision(config["trainer"]["precision"], accelerator)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="rocstories-benchmark-") as tmp:
        work = Path(tmp)
        os.environ["PL_MODULES_CACHE"] = str(work / "cache")  # tokenised stories die with `tmp`
        # the sample tokenised as every run's inputs are: the config's data settings
        sample = StoryOrderingDataModule(
            **{**config["data"], "model_name_or_path": config["model"]["model_name_or_path"],
               "stories": [str(write_stories(work / "sample.csv", sources["ROCStories sample"]))]})
        sample.prepare_data()
        sample.setup("test")
        tests = {"sample test split": sample.splits["test"],
                 "whole sample": datasets.concatenate_datasets([sample.splits[s] for s in SPLITS])}
        trained: dict[tuple[str, int], Path] = {}
        for run, source, n in runs:
            if (source, n) not in trained:  # an equal-size run may be the full-size one
                name = f"{source}-{n}".replace(" ", "-")
                stories = write_stories(work / f"{name}.csv",
                                        with_train_size(sources[source], splits[source], n))
                fit = run_embedded(work / name, "fit", "--data.stories",
                                   json.dumps([str(stories)]), *smoke)
                trained[source, n] = best_checkpoint(fit, work / name)
            on = ["sample test split"] + (["whole sample"] if source == "open corpus" else [])
            for test in on:
                m = evaluate(trained[source, n], tests[test], sample.tokenizer.pad_token_id,
                             sample.hparams.eval_batch_size, accelerator, precision)
                results.append(Result(run, source, n, test, len(tests[test]),
                                      m["test_tau"], m["test_acc"], m["test_pmr"]))

    epochs = args.max_epochs or config["trainer"]["max_epochs"]
    print(f"\nconfigs/embedded.yaml, max_epochs {epochs}, precision {precision}, "
          f"torch threads {torch.get_num_threads()}; splits by story id, val/test fractions "
          f"{fractions[0]}/{fractions[1]}" + (f"; first {args.max_stories} stories of each "
                                             "source only (smoke run)" if args.max_stories else ""))
    report(results, n_equal)
    with args.csv.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=[*asdict(results[0]), "epochs", "precision"])
        writer.writeheader()
        for r in results:
            writer.writerow({**asdict(r), "epochs": epochs, "precision": precision})
    print(f"results written to {args.csv}")


def report(results: list[Result], n_equal: int) -> None:
    """The table, then transfer against in-domain: ratios, gaps and the goal at equal size."""
    print(f"{'run':22} {'train data':18} {'train':>6}  {'test data':18} {'test':>6} "
          f"{'tau':>7} {'acc':>7} {'pmr':>7}")
    for r in results:
        print(f"{r.run:22} {r.train_data:18} {r.train_stories:6d}  {r.test_data:18} "
              f"{r.test_stories:6d} {r.test_tau:7.4f} {r.test_acc:7.4f} {r.test_pmr:7.4f}")

    def tau(run: str, test: str) -> float:
        return next(r.test_tau for r in results if r.run == run and r.test_data == test)

    print()
    for size in ("", ", equal size"):
        inside = tau("in-domain" + size, "sample test split")
        across = tau("transfer" + size, "sample test split")
        ratio = f"{across / inside:.3f}" if inside else "undefined (in-domain tau 0)"
        print(f"{'equal size' if size else 'full size':10}: transfer / in-domain tau on the "
              f"sample test split = {ratio}; gap {inside - across:+.4f}")
    loss = tau("in-domain, equal size", "sample test split") - tau("transfer, equal size",
                                                                   "whole sample")
    print(f"trained on {n_equal} corpus stories and tested on the whole sample, against "
          f"{n_equal} sample stories tested on the held-out split: tau lost {loss:+.4f} "
          f"(goal <= {GOAL}: {'met' if loss <= GOAL else 'NOT met'})")


if __name__ == "__main__":
    main()
