"""Transformer blocks of the So-VITS-SVC encoders: relative-position self-attention (VITS) and FFN.

Parameter names (conv_q/k/v/o, emb_rel_k/v, conv_1/2, norm_layers_*) follow the reference so that
checkpoints load unchanged. Inference only: dropout is omitted (it has no parameters).
Shapes: B batch, C channels, T frames, H heads, D = C / H.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from autovoice_desktop.engine.sovits.commons import LayerNorm, masked, weights_key


@dataclass(frozen=True)
class TransformerSize:
    """The sizes of a transformer stack (model.hidden_channels, filter_channels, n_heads, n_layers,
    kernel_size): C = hidden channels, the FFN's inner width and kernel, heads and layers."""

    hidden: int
    filter_channels: int
    n_heads: int
    n_layers: int
    kernel_size: int


class MultiHeadAttention(nn.Module):
    """Multi-head self-attention with optional relative-position keys/values (window +-window_size).

    The query, key and value convolutions run as one convolution (`_projections`), and the relative positions
    are strided views instead of padded copies: a short live window launches fewer kernels per layer than the
    reference's form, for the same values (to float rounding).
    """

    def __init__(
        self, channels: int, out_channels: int, n_heads: int, window_size: int | None = None
    ) -> None:
        super().__init__()
        if channels % n_heads:
            raise ValueError(f"hidden channels {channels} are not divisible by n_heads {n_heads}")
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window_size = window_size
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, out_channels, 1)
        if window_size is not None:
            rel_shape = (1, window_size * 2 + 1, self.k_channels)
            self.emb_rel_k = nn.Parameter(torch.zeros(rel_shape))
            self.emb_rel_v = nn.Parameter(torch.zeros(rel_shape))
        self._fused: tuple[torch.Tensor, torch.Tensor] | None = None
        self._fused_key: tuple = ()

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None) -> torch.Tensor:
        """x: (B, C, T); attn_mask: (B, 1, T, T) with 0 where masked, None: none -> (B, C_out, T)."""
        b, c, t = x.shape
        weight, bias = self._projections()
        qkv = F.conv1d(x, weight, bias).view(b, 3, self.n_heads, self.k_channels, t).transpose(3, 4)
        q = qkv[:, 0] / math.sqrt(self.k_channels)  # (B, H, T, D)
        k, v = qkv[:, 1:].transpose(0, 1).contiguous().unbind(0)
        scores = torch.matmul(q, k.transpose(-2, -1))  # (B, H, T, T)
        if self.window_size is not None:
            rel_k = self._relative_embeddings(self.emb_rel_k, t)  # (1, 2T-1, D)
            rel_logits = torch.matmul(q, rel_k.unsqueeze(0).transpose(-2, -1))  # (B, H, T, 2T-1)
            scores = scores + _relative_to_absolute(rel_logits)
        if attn_mask is not None:
            scores = scores.masked_fill(attn_mask == 0, -1e4)
        p_attn = F.softmax(scores, dim=-1)
        out = torch.matmul(p_attn, v)  # (B, H, T, D)
        if self.window_size is not None:
            band = _diagonal_band(p_attn, self.window_size)  # (B, H, T, 2W+1)
            out = out + torch.matmul(band, self.emb_rel_v.unsqueeze(0))
        out = out.transpose(2, 3).reshape(b, c, t)
        return self.conv_o(out)

    def _projections(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The q, k, v 1x1 convolutions as one: weight (3C, C, 1), bias (3C,).
        Built on first use and again whenever a convolution's weight is replaced or changed in place (a load,
        a move, a cast); a captured CUDA graph replays the fused copy it saw."""
        convs = (self.conv_q, self.conv_k, self.conv_v)
        key = weights_key(*(t for conv in convs for t in (conv.weight, conv.bias)))
        if self._fused is None or key != self._fused_key:
            with torch.no_grad():
                weight = torch.cat([c.weight for c in convs])
                bias = torch.cat([c.bias for c in convs])
            self._fused, self._fused_key = (weight, bias), key
        return self._fused

    def _relative_embeddings(self, embeddings: torch.Tensor, length: int) -> torch.Tensor:
        """(1, 2W+1, D) -> (1, 2T-1, D): zero-padded or sliced to cover offsets -(T-1)..(T-1)."""
        assert self.window_size is not None
        pad_length = max(length - (self.window_size + 1), 0)
        start = max((self.window_size + 1) - length, 0)
        if pad_length > 0:
            embeddings = F.pad(embeddings, (0, 0, pad_length, pad_length))
        return embeddings[:, start : start + 2 * length - 1]


def _relative_to_absolute(x: torch.Tensor) -> torch.Tensor:
    """(B, H, T, 2T-1) relative logits -> (B, H, T, T) absolute: out[..., i, j] = x[..., i, j - i + T - 1].

    A strided view (no copy) of the values the VITS pad-and-reshape trick gathers."""
    x = x.contiguous()
    batch, heads, length, width = x.shape
    return x.as_strided(
        (batch, heads, length, length),
        (heads * length * width, length * width, width - 1, 1),
        x.storage_offset() + length - 1,
    )


def _diagonal_band(p_attn: torch.Tensor, window: int) -> torch.Tensor:
    """(B, H, T, T) attention weights -> (B, H, T, 2W+1): band[..., i, r] = p_attn[..., i, i + r - W], 0
    outside 0..T-1. The weights the relative values (offsets -W..W) get; the reference's absolute-to-relative
    reshape gives the same weights for offsets within the window (and zero-padded embeddings beyond it)."""
    batch, heads, length, _ = p_attn.shape
    padded = F.pad(p_attn, (window, window))  # (B, H, T, T + 2W), contiguous
    row = length + 2 * window
    return padded.as_strided(
        (batch, heads, length, 2 * window + 1), (heads * length * row, length * row, row + 1, 1)
    )


class FFN(nn.Module):
    """Two masked convolutions with ReLU between; 'same' padding or causal (left) padding."""

    def __init__(self, channels: int, filter_channels: int, kernel_size: int, causal: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.causal = causal
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        if self.kernel_size == 1:
            return x
        if self.causal:
            return F.pad(x, (self.kernel_size - 1, 0))
        return F.pad(x, ((self.kernel_size - 1) // 2, self.kernel_size // 2))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor | None) -> torch.Tensor:
        """x: (B, C, T); x_mask: (B, 1, T) or None (no padding) -> (B, C, T)."""
        x = torch.relu(self.conv_1(self._pad(masked(x, x_mask))))
        x = self.conv_2(self._pad(masked(x, x_mask)))
        return masked(x, x_mask)


class Encoder(nn.Module):
    """Non-causal transformer with relative attention (window 4): `enc_p.enc_` in SynthesizerTrn."""

    def __init__(self, size: TransformerSize, window_size: int = 4) -> None:
        super().__init__()
        hidden, n_layers = size.hidden, size.n_layers
        self.n_layers = n_layers
        self.attn_layers = nn.ModuleList(
            MultiHeadAttention(hidden, hidden, size.n_heads, window_size=window_size) for _ in range(n_layers)
        )
        self.norm_layers_1 = nn.ModuleList(LayerNorm(hidden) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(
            FFN(hidden, size.filter_channels, size.kernel_size) for _ in range(n_layers)
        )
        self.norm_layers_2 = nn.ModuleList(LayerNorm(hidden) for _ in range(n_layers))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor | None) -> torch.Tensor:
        """x: (B, C, T); x_mask: (B, 1, T) or None (no padding) -> (B, C, T)."""
        attn_mask = None if x_mask is None else x_mask.unsqueeze(2) * x_mask.unsqueeze(-1)
        x = masked(x, x_mask)
        for i in range(self.n_layers):
            x = self.norm_layers_1[i](x + self.attn_layers[i](x, attn_mask))
            x = self.norm_layers_2[i](x + self.ffn_layers[i](x, x_mask))
        return masked(x, x_mask)


class FFT(nn.Module):
    """Causal-masked transformer used by the F0 decoder (`f0_decoder.decoder`)."""

    def __init__(self, size: TransformerSize) -> None:
        super().__init__()
        hidden, n_layers = size.hidden, size.n_layers
        self.n_layers = n_layers
        self.self_attn_layers = nn.ModuleList(
            MultiHeadAttention(hidden, hidden, size.n_heads) for _ in range(n_layers)
        )
        self.norm_layers_0 = nn.ModuleList(LayerNorm(hidden) for _ in range(n_layers))
        self.ffn_layers = nn.ModuleList(
            FFN(hidden, size.filter_channels, size.kernel_size, causal=True) for _ in range(n_layers)
        )
        self.norm_layers_1 = nn.ModuleList(LayerNorm(hidden) for _ in range(n_layers))

    def forward(self, x: torch.Tensor, x_mask: torch.Tensor | None) -> torch.Tensor:
        """x: (B, C, T); x_mask: (B, 1, T) or None (no padding) -> (B, C, T)."""
        length = x.size(2)
        causal = torch.tril(torch.ones(length, length, device=x.device, dtype=x.dtype))[None, None]
        x = masked(x, x_mask)
        for i in range(self.n_layers):
            x = self.norm_layers_0[i](x + self.self_attn_layers[i](x, causal))
            x = self.norm_layers_1[i](x + self.ffn_layers[i](x, x_mask))
        return masked(x, x_mask)
