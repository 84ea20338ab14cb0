"""Interrupted and repeated runs: a run killed mid-epoch and resumed from its last checkpoint
ends where an uninterrupted one does; the same seed gives the same run."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import torch
import yaml

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "embedded.yaml"
HELPERS = Path(__file__).resolve().parent / "helpers"


def config(tmp_path: Path, model_dir: str, seed: int = 42, kill_at: int | None = None) -> Path:
    cfg = yaml.safe_load(CONFIG.read_text())
    cfg["seed_everything"] = seed
    cfg["model"]["model_name_or_path"] = model_dir
    cfg["data"].update(max_stories=160, batch_size=8, eval_batch_size=16, seed=seed)
    cfg["trainer"].update(max_epochs=3, enable_progress_bar=False)
    if kill_at is not None:
        cfg["trainer"]["callbacks"].append(
            {"class_path": "kill_switch.KillAtStep", "init_args": {"step": kill_at}})
    path = tmp_path / f"config-{seed}-{kill_at}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(HELPERS), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "pl_modules", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def weights(ckpt: Path) -> dict[str, torch.Tensor]:
    return torch.load(ckpt, map_location="cpu", weights_only=True)["state_dict"]


def test_run_killed_mid_epoch_resumes_to_the_same_weights(tiny_model_dir, tmp_path):
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    straight.mkdir(), broken.mkdir()
    ok(run(straight, "fit", "--config", str(config(tmp_path, tiny_model_dir))))
    # 16 training batches per epoch: step 21 is in the middle of the second epoch
    killed = run(broken, "fit", "--config", str(config(tmp_path, tiny_model_dir, kill_at=21)))
    assert killed.returncode == -signal.SIGKILL
    ckpts = broken / "runs" / "embedded" / "version_0" / "checkpoints"
    resumed = torch.load(ckpts / "last.ckpt", map_location="cpu", weights_only=True)
    assert resumed["global_step"] == 16  # the end of the first epoch
    ok(run(broken, "fit", "--config", str(config(tmp_path, tiny_model_dir)),
           "--ckpt_path", str(ckpts / "last.ckpt")))
    a = weights(straight / "runs" / "embedded" / "version_0" / "checkpoints" / "last.ckpt")
    b = weights(broken / "runs" / "embedded" / "version_1" / "checkpoints" / "last.ckpt")
    assert a.keys() == b.keys()
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-6), name


def test_same_seed_same_run_and_another_seed_another_shuffle(tiny_model_dir, tmp_path):
    outputs = []
    for name, seed in [("a", 42), ("b", 42), ("c", 7)]:
        folder = tmp_path / name
        folder.mkdir()
        cfg = str(config(tmp_path, tiny_model_dir, seed=seed))
        ok(run(folder, "fit", "--config", cfg, "--trainer.max_epochs", "1"))
        ckpt = folder / "runs" / "embedded" / "version_0" / "checkpoints" / "last.ckpt"
        ok(run(folder, "test", "--config", cfg, "--ckpt_path", str(ckpt)))
        outputs.append((weights(ckpt), (folder / "runs" / "embedded" / "version_1" / "metrics.csv").read_text()))
    (wa, ma), (wb, mb), (wc, _) = outputs
    assert ma == mb
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)


def test_shuffles_and_splits_depend_on_the_seed_only(tiny_model_dir):
    from pl_modules import StoryOrderingDataModule

    def splits(seed: int):
        dm = StoryOrderingDataModule(tiny_model_dir, max_stories=120, seed=seed)
        return dm.build_splits()

    a, b, c = splits(3), splits(3), splits(4)
    for name in ("train", "val", "test"):
        assert a[name]["storyid"] == b[name]["storyid"] == c[name]["storyid"]
        assert a[name]["labels"] == b[name]["labels"]
    assert a["train"]["labels"] != c["train"]["labels"]


def test_epoch_shuffler_draws_a_new_order_each_epoch_from_the_seed():
    from pl_modules.data import EpochShuffler

    sampler = EpochShuffler(50, seed=1)
    orders = []
    for epoch in range(2):
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
    assert sorted(orders[0]) == list(range(50)) and orders[0] != orders[1]
    again = EpochShuffler(50, seed=1)
    again.set_epoch(1)
    assert list(again) == orders[1]
