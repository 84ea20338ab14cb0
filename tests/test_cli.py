"""The command line, run as a reader would: fit, then test, in one and in two processes."""

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "embedded.yaml"


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pl_modules", *args], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    return run


def quick(model_dir: str) -> list[str]:
    return [
        "--config", str(CONFIG), "--model.model_name_or_path", model_dir,
        "--data.max_stories", "160", "--data.eval_batch_size", "7",
        "--trainer.max_epochs", "1", "--trainer.enable_progress_bar", "false",
    ]


def logged_test_metrics(run_dir: Path) -> dict[str, float]:
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    return {k: float(v) for k, v in rows[-1].items() if k.startswith("test_") and v}


@pytest.fixture(scope="module")
def fitted(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    cli(root, "fit", *quick(tiny_model_dir))
    return root


def test_fit_writes_one_run_folder_with_logs_config_and_checkpoints(fitted):
    run = fitted / "runs" / "embedded" / "version_0"
    assert {p.name for p in run.iterdir()} >= {"metrics.csv", "hparams.yaml", "config.yaml", "checkpoints"}
    assert any(p.name.startswith("events.out.tfevents") for p in run.iterdir())
    assert {p.name for p in (run / "checkpoints").iterdir()} == {"best.ckpt", "last.ckpt"}


def test_test_in_two_processes_equals_one_process(fitted, tiny_model_dir):
    ckpt = fitted / "runs" / "embedded" / "version_0" / "checkpoints" / "best.ckpt"
    cli(fitted, "test", *quick(tiny_model_dir), "--ckpt_path", str(ckpt))
    cli(fitted, "test", *quick(tiny_model_dir), "--ckpt_path", str(ckpt),
        "--trainer.strategy", "ddp", "--trainer.devices", "2")
    one = logged_test_metrics(fitted / "runs" / "embedded" / "version_1")
    two = logged_test_metrics(fitted / "runs" / "embedded" / "version_2")
    assert set(one) == {"test_loss", "test_tau", "test_acc", "test_pmr"}
    for name, value in one.items():
        assert two[name] == pytest.approx(value, abs=1e-4), name


def test_fit_with_ddp_on_two_cpu_processes(tiny_model_dir, tmp_path):
    cli(tmp_path, "fit", *quick(tiny_model_dir), "--trainer.strategy", "ddp", "--trainer.devices", "2")
    assert (tmp_path / "runs" / "embedded" / "version_0" / "checkpoints" / "best.ckpt").is_file()


def test_unknown_config_key_is_reported(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.read_text().replace("  lr: 1.0e-4", "  lrate: 1.0e-4"))
    run = subprocess.run([sys.executable, "-m", "pl_modules", "fit", "--config", str(bad)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "lrate" in run.stderr and "Traceback" not in run.stderr
