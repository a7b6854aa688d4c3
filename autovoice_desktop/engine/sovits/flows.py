"""The normalising flow of SynthesizerTrn (`flow.*`): WaveNet-conditioned residual coupling layers.

Only the reverse direction (prior -> latent) is implemented: that is what inference runs.
Weight norm is folded into plain `weight` tensors when a checkpoint is loaded (see checkpoint.py).
Shapes: B batch, C channels, T frames, G speaker-embedding width.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from autovoice_desktop.engine.sovits.commons import gated_tanh_sigmoid, masked


@dataclass(frozen=True)
class WaveNetSize:
    """The sizes of a WN stack: hidden channels H, odd kernel size, dilation rate (layer i dilates by
    rate ** i), layers, and the speaker-embedding width G (0: no speaker condition)."""

    hidden: int
    kernel_size: int
    dilation_rate: int
    n_layers: int
    gin_channels: int = 0


class WN(nn.Module):
    """Non-causal WaveNet stack with a global speaker condition (`cond_layer`)."""

    def __init__(self, size: WaveNetSize) -> None:
        super().__init__()
        hidden, kernel_size, dilation_rate = size.hidden, size.kernel_size, size.dilation_rate
        n_layers, gin_channels = size.n_layers, size.gin_channels
        if kernel_size % 2 != 1:
            raise ValueError("WN kernel size must be odd")
        self.hidden = hidden
        self.n_layers = n_layers
        self.gin_channels = gin_channels
        if gin_channels:
            self.cond_layer = nn.Conv1d(gin_channels, 2 * hidden * n_layers, 1)
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        for i in range(n_layers):
            dilation = dilation_rate**i
            padding = (kernel_size * dilation - dilation) // 2
            self.in_layers.append(
                nn.Conv1d(hidden, 2 * hidden, kernel_size, dilation=dilation, padding=padding)
            )
            res_skip = 2 * hidden if i < n_layers - 1 else hidden
            self.res_skip_layers.append(nn.Conv1d(hidden, res_skip, 1))

    def forward(
        self, x: torch.Tensor, x_mask: torch.Tensor | None, g: torch.Tensor | None = None
    ) -> torch.Tensor:
        """x: (B, H, T); x_mask: (B, 1, T) or None (no padding); g: (B, G, 1) or None -> (B, H, T)."""
        output: torch.Tensor | None = None  # the skip sum (the reference starts it from zeros)
        g_all = self.cond_layer(g) if g is not None else None
        for i in range(self.n_layers):
            x_in = self.in_layers[i](x)
            if g_all is not None:
                offset = i * 2 * self.hidden
                g_l = g_all[:, offset : offset + 2 * self.hidden, :]
            else:
                g_l = torch.zeros_like(x_in)
            acts = gated_tanh_sigmoid(x_in, g_l, self.hidden)
            res_skip = self.res_skip_layers[i](acts)
            skip = res_skip[:, self.hidden :, :] if i < self.n_layers - 1 else res_skip
            if i < self.n_layers - 1:
                x = masked(x + res_skip[:, : self.hidden, :], x_mask)
            output = skip if output is None else output + skip
        assert output is not None
        return masked(output, x_mask)


class ResidualCouplingLayer(nn.Module):
    """Mean-only affine coupling: the second half of the channels is shifted by a WN of the first half."""

    def __init__(self, channels: int, size: WaveNetSize) -> None:
        super().__init__()
        if channels % 2:
            raise ValueError("flow channels must be even")
        self.half_channels = channels // 2
        self.pre = nn.Conv1d(self.half_channels, size.hidden, 1)
        self.enc = WN(size)
        self.post = nn.Conv1d(size.hidden, self.half_channels, 1)

    def reverse(self, x: torch.Tensor, x_mask: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        """Inverse transform. x: (B, C, T) -> (B, C, T); x_mask: (B, 1, T) or None (no padding).

        Mean-only: the reference's log-scale is zeros, so its (x1 - m) * exp(-logs) is x1 - m exactly.
        """
        x0, x1 = torch.split(x, [self.half_channels] * 2, 1)
        h = masked(self.pre(x0), x_mask)
        h = self.enc(h, x_mask, g=g)
        m = masked(self.post(h), x_mask)
        return torch.cat([x0, masked(x1 - m, x_mask)], 1)


class Flip(nn.Module):
    """Channel reversal between coupling layers (no parameters; occupies the odd indices of `flows`)."""

    def reverse(self, x: torch.Tensor, x_mask: torch.Tensor | None, g: torch.Tensor | None) -> torch.Tensor:
        """(B, C, T) -> (B, C, T) with the channel order reversed."""
        return torch.flip(x, [1])


class ResidualCouplingBlock(nn.Module):
    """`flow`: n_flows coupling layers at indices 0, 2, 4, ... each followed by a Flip."""

    def __init__(self, channels: int, size: WaveNetSize, n_flows: int = 4) -> None:
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(ResidualCouplingLayer(channels, size))
            self.flows.append(Flip())

    def reverse(
        self, x: torch.Tensor, x_mask: torch.Tensor | None, g: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Prior sample z_p (B, C, T) -> latent z (B, C, T), conditioned on g (B, G, 1); x_mask None: no
        padding."""
        for flow in reversed(self.flows):
            x = flow.reverse(x, x_mask, g)
        return x
