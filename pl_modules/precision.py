"""Numeric precision chosen for the hardware the run is on.

bfloat16 mixed precision (`bf16-mixed`) speeds training up only where the device multiplies
bfloat16 matrices natively: CUDA GPUs of compute capability 8.0 or newer (Ampere, Hopper, ...) and
CPUs with AMX-BF16 or AVX512-BF16. Elsewhere it is emulated and slower than float32: Colab's free
T4 (compute capability 7.5) has fast float16 instead, so `16-mixed`; other CPUs and devices keep
`32-true`. A config asks for this choice with `trainer.precision: auto`, a value of this package
(Lightning's `Trainer` itself has no `precision="auto"`): `pl_modules.cli` replaces it with the
chosen precision before the `Trainer` is built, logs why, and saves the chosen value in the run's
`config.yaml`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_type_hints

import torch
from lightning.pytorch import Trainer
from lightning.pytorch.utilities import rank_zero_info

AUTO = "auto"
CPU_BF16_FEATURES = ("amx_bf16", "avx512_bf16")  # the names torch and Linux both use
CPUINFO = Path("/proc/cpuinfo")
# what `Trainer(precision=...)` accepts, as Lightning declares it
TrainerPrecision = get_type_hints(Trainer.__init__)["precision"]


class PrecisionChoice(NamedTuple):
    precision: str
    reason: str


def cpu_bf16_features() -> list[str]:
    """The CPU's native bfloat16 instruction sets among AMX-BF16 and AVX512-BF16.

    torch reports them on every operating system through `torch.cpu.get_capabilities()` (the
    cpuinfo library); a torch too old to have it is asked nothing, and on Linux the kernel's flags
    in `/proc/cpuinfo` answer instead. Anywhere else such a torch gets an empty list, so float32.
    """
    capabilities = getattr(torch.cpu, "get_capabilities", None)
    if capabilities is not None:
        found = capabilities()
        return [f for f in CPU_BF16_FEATURES if found.get(f)]
    if sys.platform.startswith("linux") and CPUINFO.is_file():
        flags = {word for line in CPUINFO.read_text().splitlines()
                 if line.startswith("flags") for word in line.split(":", 1)[1].split()}
        return [f for f in CPU_BF16_FEATURES if f in flags]
    return []


def _device_type(accelerator: Any) -> str:
    """The device type Lightning will run on for `accelerator` ("cuda", "cpu", "mps", ...)."""
    name = str(accelerator).lower()
    if name in ("auto", "gpu") and torch.cuda.is_available():
        return "cuda"
    if name in ("auto", "gpu") and torch.backends.mps.is_available():
        return "mps"
    return "cpu" if name == "auto" else name


def choose_precision(accelerator: Any) -> PrecisionChoice:
    """`bf16-mixed` where the device computes bfloat16 natively, `16-mixed` on CUDA GPUs older
    than compute capability 8.0, `32-true` elsewhere; with the reason, for the log."""
    device = _device_type(accelerator)
    if device == "cuda" and torch.cuda.is_available():
        major, minor = torch.cuda.get_device_capability()
        gpu = f"{torch.cuda.get_device_name()} (compute capability {major}.{minor})"
        if major >= 8:
            return PrecisionChoice("bf16-mixed", f"{gpu} computes bfloat16 natively")
        return PrecisionChoice("16-mixed", f"{gpu} has fast float16 but no native bfloat16")
    if device == "cpu":
        features = cpu_bf16_features()
        if features:
            names = " and ".join(f.upper().replace("_", "-") for f in features)
            return PrecisionChoice("bf16-mixed", f"this CPU computes bfloat16 natively ({names})")
        return PrecisionChoice("32-true", "this CPU has neither AMX-BF16 nor AVX512-BF16, so "
                               "bfloat16 would be emulated and slower than float32")
    return PrecisionChoice("32-true", f"the {device!r} accelerator is neither a CUDA GPU nor a "
                           "CPU, the devices whose bfloat16 support this choice knows")


def resolve_precision(precision: Any, accelerator: Any) -> Any:
    """`precision` itself, or for `"auto"` the precision chosen for `accelerator` (logged)."""
    if precision != AUTO:
        return precision
    choice = choose_precision(accelerator)
    rank_zero_info(f"precision: auto -> {choice.precision}, because {choice.reason}")
    return choice.precision


def trainer_with_auto_precision(
    *, precision: TrainerPrecision | Literal["auto"] = None, **kwargs: Any
) -> Trainer:
    """Lightning's `Trainer`, built with `precision="auto"` allowed (the CLI builds with this).

    Args:
        precision: a precision `Trainer` accepts, or "auto": bf16-mixed where the device computes
            bfloat16 natively, 16-mixed on CUDA GPUs older than compute capability 8.0, else
            32-true.
    """
    return Trainer(precision=resolve_precision(precision, kwargs.get("accelerator", "auto")),
                   **kwargs)
