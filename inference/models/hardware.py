"""What this machine computes fast: bf16 matrix units (AMX on Intel Xeon, bf16 on recent GPUs)."""

from __future__ import annotations

import torch


def fast_bf16(device: torch.device) -> bool:
    """Whether bf16 matrix multiplication on `device` runs several times faster than fp32: a GPU
    with bf16 support, or a CPU with AMX tiles and AVX-512 bf16 (detected at run time). Elsewhere
    bf16 is emulated, and slower than fp32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    cpu = torch.cpu
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return all(getattr(cpu, check, lambda: False)() for check in checks)
