"""`precision: auto` picks bf16-mixed, 16-mixed or 32-true from what the device can do (each branch
with the capability mocked), and the command line resolves it before the Trainer is built."""

from __future__ import annotations

import contextlib
import io
import logging

import pytest
import torch
import yaml
from lightning.pytorch import Trainer

from conftest import ROOT
from pl_modules import precision
from pl_modules.cli import main
from pl_modules.precision import (
    choose_precision,
    cpu_bf16_features,
    resolve_precision,
    trainer_with_auto_precision,
)

CONFIG = ROOT / "configs" / "embedded.yaml"


@pytest.fixture
def gpu(monkeypatch):
    """A CUDA GPU of the given compute capability."""

    def install(major: int, minor: int) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (major, minor))
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "Test GPU")

    return install


@pytest.fixture
def cpu(monkeypatch):
    """No GPU, and a CPU with the given capabilities (as `torch.cpu.get_capabilities` says)."""

    def install(**capabilities: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
        monkeypatch.setattr(torch.cpu, "get_capabilities",
                            lambda: {"architecture": "x86_64", **capabilities}, raising=False)

    return install


@pytest.mark.parametrize("accelerator", ["gpu", "cuda", "auto"])
def test_ampere_or_newer_gpu_gets_bf16(gpu, accelerator):
    gpu(8, 0)
    choice = choose_precision(accelerator)
    assert choice.precision == "bf16-mixed"
    assert "compute capability 8.0" in choice.reason


@pytest.mark.parametrize("capability", [(7, 5), (7, 0), (6, 1)])
def test_older_gpu_gets_float16(gpu, capability):
    gpu(*capability)
    choice = choose_precision("gpu")
    assert choice.precision == "16-mixed"
    assert f"compute capability {capability[0]}.{capability[1]}" in choice.reason


@pytest.mark.parametrize("feature", ["amx_bf16", "avx512_bf16"])
def test_cpu_with_native_bf16_gets_bf16(cpu, feature):
    cpu(**{feature: True, "avx512_f": True})
    choice = choose_precision("cpu")
    assert choice.precision == "bf16-mixed"
    assert feature.upper().replace("_", "-") in choice.reason


def test_cpu_without_native_bf16_keeps_float32(cpu):
    cpu(avx2=True, avx512_f=True, amx_bf16=False, avx512_bf16=False)
    assert choose_precision("cpu").precision == "32-true"
    assert choose_precision("auto").precision == "32-true"  # no GPU: the CPU's rule


def test_gpu_on_a_cpu_machine_is_not_asked_for_its_capability(cpu, monkeypatch):
    """A GPU config on a CPU run with `--trainer.accelerator cpu` follows the CPU."""
    cpu(avx512_bf16=True)
    monkeypatch.setattr(torch.cuda, "get_device_capability",
                        lambda device=None: pytest.fail("asked a CUDA device that is not there"))
    assert choose_precision("cpu").precision == "bf16-mixed"


def test_other_accelerators_keep_float32(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert choose_precision("mps").precision == "32-true"
    assert choose_precision("auto").precision == "32-true"  # auto means mps here
    assert choose_precision("tpu").precision == "32-true"


def test_linux_flags_answer_when_torch_cannot(monkeypatch, tmp_path):
    monkeypatch.delattr(torch.cpu, "get_capabilities", raising=False)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n"
                       "processor\t: 1\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n")
    monkeypatch.setattr(precision, "CPUINFO", cpuinfo)
    monkeypatch.setattr(precision.sys, "platform", "linux")
    assert cpu_bf16_features() == ["avx512_bf16"]
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2\n")
    assert cpu_bf16_features() == []
    monkeypatch.setattr(precision.sys, "platform", "darwin")  # no /proc/cpuinfo to read
    assert cpu_bf16_features() == []


def test_explicit_precision_is_left_alone(cpu, caplog):
    cpu(avx512_bf16=True)
    for value in ("32-true", "16-mixed", 32, None):
        assert resolve_precision(value, "cpu") == value
    with caplog.at_level(logging.INFO):
        assert resolve_precision("auto", "cpu") == "bf16-mixed"
    assert "precision: auto -> bf16-mixed, because this CPU computes bfloat16" in caplog.text


def test_trainer_built_with_auto_precision_uses_the_choice(cpu):
    cpu(avx512_bf16=False)
    trainer = trainer_with_auto_precision(precision="auto", accelerator="cpu", logger=False,
                                          enable_progress_bar=False, enable_model_summary=False)
    assert isinstance(trainer, Trainer)
    assert trainer.precision == "32-true"
    cpu(amx_bf16=True)
    trainer = trainer_with_auto_precision(precision="auto", accelerator="cpu", logger=False)
    assert trainer.precision == "bf16-mixed"


def print_config(*args: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(args=["fit", "--config", str(CONFIG), *args, "--print_config"])
    return yaml.safe_load(out.getvalue())


def test_print_config_shows_that_the_precision_is_chosen():
    assert print_config()["trainer"]["precision"] == "auto"
    assert print_config("--trainer.precision", "32-true")["trainer"]["precision"] == "32-true"


def test_a_precision_lightning_does_not_know_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(args=["fit", "--config", str(CONFIG), "--trainer.precision", "bf16-mix"])
    assert "trainer.precision" in capsys.readouterr().err


@pytest.mark.parametrize(("capabilities", "expected"),
                         [({"avx512_bf16": True}, "bf16-mixed"), ({}, "32-true")])
def test_the_run_uses_and_saves_the_chosen_precision(
        cpu, capabilities, expected, tiny_model_dir, tmp_path, monkeypatch):
    cpu(**capabilities)
    monkeypatch.chdir(tmp_path)
    cli = main(args=["validate", "--config", str(CONFIG),
                     "--model.model_name_or_path", tiny_model_dir, "--data.max_stories", "60",
                     "--trainer.limit_val_batches", "1", "--trainer.enable_progress_bar", "false",
                     "--trainer.enable_model_summary", "false"])
    assert cli.trainer.precision == expected
    saved = yaml.safe_load((tmp_path / "runs/embedded/version_0/config.yaml").read_text())
    assert saved["trainer"]["precision"] == expected
