"""A wide grouped 1-D convolution run as batched matrix products on CUDA: ContentVec's positional convolution.

ContentVec (HuBERT base) adds a positional convolution of kernel 128 over 16 groups of 48 channels to its
features. cuDNN runs that one fp16 layer with legacy kernels that do not use the tensor cores: on an H200 it
took 31.7 ms of a 10 s conversion's 47 ms of GPU time, about as long at 60 s (torch.profiler, fp16;
docs/benchmarks.md). As batched matrix products over chunks of taps it is a few dozen small launches.

`GemmConv1d` is an `nn.Conv1d` (same parameters, same state-dict keys) whose forward takes that route on the
devices in GEMM_DEVICES and is the plain convolution elsewhere, so CPU results are unchanged.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

#: devices on which GemmConv1d runs as matrix products (tests add "cpu" to compare the two forms)
GEMM_DEVICES: tuple[str, ...] = ("cuda",)
TAPS_PER_STEP = 16  # taps per matrix product: bounds the unfolded copy (B * C * 16 * T elements)
_ALIGN = 8  # frames padded to a multiple of this, so fp16 rows are 16-byte aligned for the tensor cores


class GemmConv1d(nn.Conv1d):
    """nn.Conv1d (stride 1, no dilation, zero padding) as batched matrix products on GEMM_DEVICES.

    Each chunk of TAPS_PER_STEP taps is one product per group, (Og, Cg * taps) @ (Cg * taps, T), summed in
    float32 and cast back to the input's dtype. float32 inputs use float32 products (no TF32 by default).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, O, T + 2 * padding - kernel + 1)."""
        plain = self.stride[0] != 1 or self.dilation[0] != 1 or self.padding_mode != "zeros"
        if plain or isinstance(self.padding, str) or x.device.type not in GEMM_DEVICES:
            return super().forward(x)
        kernel, groups, pad = self.kernel_size[0], self.groups, int(self.padding[0])
        batch, channels, frames = x.shape
        per_in, per_out = channels // groups, self.out_channels // groups
        out_frames = frames + 2 * pad - kernel + 1
        padded_frames = -(-out_frames // _ALIGN) * _ALIGN
        xp = F.pad(x, (pad, pad + padded_frames - out_frames))
        weight = self.weight.reshape(groups, per_out, per_in, kernel)
        total: torch.Tensor | None = None
        for lo in range(0, kernel, TAPS_PER_STEP):
            taps = min(TAPS_PER_STEP, kernel - lo)
            cols = xp[:, :, lo : lo + padded_frames + taps - 1].unfold(2, taps, 1)  # (B, C, T', taps)
            cols = cols.reshape(batch, groups, per_in, padded_frames, taps).transpose(3, 4)
            cols = cols.reshape(batch, groups, per_in * taps, padded_frames)
            w = weight[:, :, :, lo : lo + taps].reshape(1, groups, per_out, per_in * taps)
            part = torch.matmul(w, cols).float()  # (B, G, Og, T')
            total = part if total is None else total + part
        assert total is not None
        y = total.reshape(batch, self.out_channels, padded_frames)[:, :, :out_frames].to(x.dtype)
        return y if self.bias is None else y + self.bias[:, None]
