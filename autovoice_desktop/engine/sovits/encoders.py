"""Prior encoder (`enc_p`) and automatic F0 predictor (`f0_decoder`) of SynthesizerTrn.

Shapes: B batch, H hidden channels, C inter channels, T frames, G speaker-embedding width.
"""

from __future__ import annotations

import torch
from torch import nn

from autovoice_desktop.engine.sovits.attentions import FFT, Encoder, TransformerSize
from autovoice_desktop.engine.sovits.commons import masked


class TextEncoder(nn.Module):
    """Content + coarse F0 -> prior mean/log-std, and a sample z = m + eps * exp(logs) * noise_scale."""

    def __init__(self, out_channels: int, size: TransformerSize) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.proj = nn.Conv1d(size.hidden, out_channels * 2, 1)
        self.f0_emb = nn.Embedding(256, size.hidden)
        self.enc_ = Encoder(size)

    def forward(
        self,
        x: torch.Tensor,
        x_mask: torch.Tensor | None,
        f0_coarse: torch.Tensor,
        noise_scale: float,
        generator: torch.Generator | None = None,
        eps: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x: (B, H, T); x_mask: (B, 1, T) or None (no padding); f0_coarse: (B, T) long -> z_p (B, C, T).

        eps: (B, C, T) standard-normal noise to use (windows of one signal share one draw); None draws it
        with torch.randn_like (or torch.randn with a generator when seeded), so patching torch's RNG
        functions to return zeros makes the output deterministic.
        """
        x = x + self.f0_emb(f0_coarse).transpose(1, 2)
        x = self.enc_(masked(x, x_mask), x_mask)
        stats = masked(self.proj(x), x_mask)
        m, logs = torch.split(stats, self.out_channels, dim=1)
        if eps is not None:
            eps = eps.to(m.dtype)
        elif generator is None:
            eps = torch.randn_like(m)
        else:
            eps = torch.randn(m.shape, generator=generator, device=m.device, dtype=m.dtype)
        return masked(m + eps * torch.exp(logs) * noise_scale, x_mask)


class F0Decoder(nn.Module):
    """Predicts a mean-normalised log-F0 (B, 1, T) from the content features and the speaker."""

    def __init__(self, out_channels: int, size: TransformerSize, spk_channels: int) -> None:
        super().__init__()
        hidden = size.hidden
        self.prenet = nn.Conv1d(hidden, hidden, 3, padding=1)
        self.decoder = FFT(size)
        self.proj = nn.Conv1d(hidden, out_channels, 1)
        self.f0_prenet = nn.Conv1d(1, hidden, 3, padding=1)
        self.cond = nn.Conv1d(spk_channels, hidden, 1)

    def forward(
        self, x: torch.Tensor, norm_f0: torch.Tensor, x_mask: torch.Tensor | None, spk_emb: torch.Tensor
    ) -> torch.Tensor:
        """x: (B, H, T); norm_f0: (B, 1, T); x_mask: (B, 1, T) or None; spk_emb: (B, G, 1) -> (B, 1, T).

        The prenet's input is masked (the reference masks only its output): the same with an all-ones mask,
        and zero padded frames then act as the convolution's own padding (`SynthesizerTrn.latent`'s valid).
        """
        x = x + self.cond(spk_emb)
        x = x + self.f0_prenet(norm_f0)
        x = masked(self.prenet(masked(x, x_mask)), x_mask)
        x = self.decoder(masked(x, x_mask), x_mask)
        return masked(self.proj(x), x_mask)
