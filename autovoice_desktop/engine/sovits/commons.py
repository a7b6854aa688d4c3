"""Small shared pieces of the So-VITS-SVC synthesizer: masks, channel LayerNorm, gated activation, coarse F0.

Shapes use B = batch, C = channels, T = frames.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

LRELU_SLOPE = 0.1

# Coarse F0: 256 mel-scale bins over 50-1100 Hz (index 1 means <= 50 Hz).
F0_BIN = 256
F0_MIN = 50.0
F0_MAX = 1100.0
F0_MEL_MIN = 1127 * math.log(1 + F0_MIN / 700)
F0_MEL_MAX = 1127 * math.log(1 + F0_MAX / 700)


def sequence_mask(length: torch.Tensor, max_length: int) -> torch.Tensor:
    """Boolean mask (B, max_length): True where the frame index < length[b]."""
    positions = torch.arange(max_length, dtype=length.dtype, device=length.device)
    return positions.unsqueeze(0) < length.unsqueeze(1)


def masked(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """x * mask, or x itself when mask is None: no padded frames, every frame is signal (the same values as an
    all-ones mask, without the kernel launch; a live window runs ~80 of them)."""
    return x if mask is None else x * mask


def weights_key(*tensors: torch.Tensor) -> tuple:
    """What identifies the current values of some weights, for caches of tensors derived from them: storage,
    dtype, device and the in-place version counter (inference tensors, e.g. weights cast inside
    torch.inference_mode, have no counter; they cannot change in place outside inference mode)."""
    return tuple((t.data_ptr(), t.dtype, t.device, 0 if t.is_inference() else t._version) for t in tensors)


def get_padding(kernel_size: int, dilation: int = 1) -> int:
    """'same' padding of a stride-1 dilated convolution with an odd kernel."""
    return (kernel_size * dilation - dilation) // 2


def gated_tanh_sigmoid(x: torch.Tensor, g: torch.Tensor, hidden: int) -> torch.Tensor:
    """WaveNet gate: tanh(a[:, :hidden]) * sigmoid(a[:, hidden:]) with a = x + g; (B, 2H, T) -> (B, H, T)."""
    a = x + g
    return torch.tanh(a[:, :hidden, :]) * torch.sigmoid(a[:, hidden:, :])


class LayerNorm(nn.Module):
    """LayerNorm over the channel axis of a (B, C, T) tensor; parameters `gamma` and `beta` (C,)."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, C, T)."""
        x = x.transpose(1, -1)
        x = F.layer_norm(x, (self.channels,), self.gamma, self.beta, self.eps)
        return x.transpose(1, -1)


def f0_to_coarse(f0: torch.Tensor, style: str = "4.0") -> torch.Tensor:
    """Continuous F0 in Hz (any shape) -> long bin indices of the same shape, as the reference computes them.

    style "4.0" (original 4.0 and so-vits-svc-fork): bins clamped to 1..255, rounded half up.
    style "4.1" (original 4.1): same bins, rounded half to even, and bins >= 256 (F0 above ~1.1 kHz)
    become 0, a quirk of the 4.1 code kept for fidelity. Both give 1 for F0 <= 50 Hz (incl. 0).
    """
    f0_mel = 1127 * (1 + f0 / 700).log()
    if style == "4.1":
        a = (F0_BIN - 2) / (F0_MEL_MAX - F0_MEL_MIN)
        b = F0_MEL_MIN * a - 1.0
        f0_mel = torch.where(f0_mel > 0, f0_mel * a - b, f0_mel)
        coarse = torch.round(f0_mel).long()
        coarse = coarse * (coarse > 0)
        coarse = coarse + (coarse < 1) * 1
        coarse = coarse * (coarse < F0_BIN)
        return coarse
    positive = f0_mel > 0
    scaled = (f0_mel - F0_MEL_MIN) * (F0_BIN - 2) / (F0_MEL_MAX - F0_MEL_MIN) + 1
    f0_mel = torch.where(positive, scaled, f0_mel)
    f0_mel = torch.where(f0_mel <= 1, torch.ones_like(f0_mel), f0_mel)
    f0_mel = torch.where(f0_mel > F0_BIN - 1, torch.full_like(f0_mel, F0_BIN - 1), f0_mel)
    return (f0_mel + 0.5).long()


def normalize_log_f0(lf0: torch.Tensor, x_mask: torch.Tensor, uv: torch.Tensor) -> torch.Tensor:
    """Subtract the mean log-F0 of voiced frames (no random scale, as at inference).

    lf0: (B, 1, T); x_mask: (B, 1, T); uv: (B, T) -> (B, 1, T).
    """
    uv_sum = torch.sum(uv, dim=1, keepdim=True)
    uv_sum = torch.where(uv_sum == 0, torch.full_like(uv_sum, 9999), uv_sum)
    means = torch.sum(lf0[:, 0, :] * uv, dim=1, keepdim=True) / uv_sum
    factor = torch.ones(lf0.shape[0], 1, device=lf0.device, dtype=means.dtype)
    return (lf0 - means.unsqueeze(-1)) * factor.unsqueeze(-1) * x_mask
