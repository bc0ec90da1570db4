"""What this machine's processor can do, in one place (the dtype default and training precision both ask here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch


def cpu_flags() -> set[str]:
    """The CPU feature flags the kernel reports (``/proc/cpuinfo``); empty where that file does not exist."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def native_cpu_half() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere it is emulated."""
    cpu: Any = torch.cpu
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    if any(bool(getattr(cpu, name, lambda: False)()) for name in checks):
        return True
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def has_amx() -> bool:
    """Whether this CPU has AMX tiles for bfloat16 (Intel Xeon, Sapphire Rapids and later)."""
    cpu: Any = torch.cpu
    if bool(getattr(cpu, "_is_amx_tile_supported", lambda: False)()):
        return True
    return "amx_bf16" in cpu_flags()
