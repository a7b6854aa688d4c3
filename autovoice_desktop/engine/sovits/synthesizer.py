"""SynthesizerTrn: the So-VITS-SVC 4.0/4.1 generator, inference path only.

State-dict names are identical to the reference (`emb_g`, `pre`, `emb_uv`, `emb_vol`, `enc_p`, `flow`, `dec`,
`f0_decoder`), so community `G_*.pth` files load unchanged. The training-only posterior encoder `enc_q` is not
built; checkpoint.py accepts and ignores its keys.
Shapes: B batch, S ssl_dim, H hidden, C inter channels, G gin_channels, T frames, N = T * hop samples.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn

from autovoice_desktop.engine.sovits.attentions import TransformerSize
from autovoice_desktop.engine.sovits.commons import f0_to_coarse, masked, normalize_log_f0
from autovoice_desktop.engine.sovits.config import SovitsConfig
from autovoice_desktop.engine.sovits.encoders import F0Decoder, TextEncoder
from autovoice_desktop.engine.sovits.flows import ResidualCouplingBlock, WaveNetSize
from autovoice_desktop.engine.sovits.nsf_hifigan import Generator

log = logging.getLogger(__name__)


class SynthesizerTrn(nn.Module):
    """Content units + F0 + speaker -> waveform, built from a SovitsConfig."""

    def __init__(self, cfg: SovitsConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.emb_g = nn.Embedding(cfg.n_speakers, cfg.gin_channels)
        if cfg.vol_embedding:
            self.emb_vol = nn.Linear(1, cfg.hidden_channels)
        self.pre = nn.Conv1d(cfg.ssl_dim, cfg.hidden_channels, kernel_size=5, padding=2)
        size = TransformerSize(
            cfg.hidden_channels, cfg.filter_channels, cfg.n_heads, cfg.n_layers, cfg.kernel_size
        )
        self.enc_p = TextEncoder(cfg.inter_channels, size)
        self.dec = Generator(
            sampling_rate=cfg.sine_sampling_rate,
            inter_channels=cfg.inter_channels,
            resblock=cfg.resblock,
            resblock_kernel_sizes=cfg.resblock_kernel_sizes,
            resblock_dilation_sizes=cfg.resblock_dilation_sizes,
            upsample_rates=cfg.upsample_rates,
            upsample_initial_channel=cfg.upsample_initial_channel,
            upsample_kernel_sizes=cfg.upsample_kernel_sizes,
            gin_channels=cfg.gin_channels,
            padding_style=cfg.style,
        )
        wavenet = WaveNetSize(cfg.hidden_channels, 5, 1, 4, gin_channels=cfg.gin_channels)
        self.flow = ResidualCouplingBlock(cfg.inter_channels, wavenet, n_flows=cfg.n_flow_layer)
        if cfg.use_automatic_f0_prediction:
            self.f0_decoder = F0Decoder(1, size, spk_channels=cfg.gin_channels)
        self.emb_uv = nn.Embedding(2, cfg.hidden_channels)

    def speaker_embedding(self, sid: torch.Tensor) -> torch.Tensor:
        """sid: (B,) long speaker ids -> g (B, G, 1), the conditioning of the flow and the decoder."""
        return self.emb_g(sid.reshape(-1, 1)).transpose(1, 2)

    def latent(
        self,
        c: torch.Tensor,
        f0: torch.Tensor,
        uv: torch.Tensor,
        g: torch.Tensor,
        noise_scale: float = 0.4,
        predict_f0: bool = False,
        vol: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        eps: torch.Tensor | None = None,
        valid: int | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The front of the generator (everything before the decoder).

        c: (B, S, T) content; f0: (B, T) Hz (interpolated, transposed); uv: (B, T) 1.0 voiced / 0.0
        unvoiced; g: (B, G, 1) from `speaker_embedding`; vol: (B, T) frame RMS or None (used only by
        vol_embedding models; None adds nothing, as the reference does); eps: (B, C, T) prior noise to use
        (None: drawn here); valid: the frames that are signal when the inputs are zero padded after them
        (to a length whose kernels exist already): they are masked out, as the reference masks a batch's
        shorter items, so the first `valid` frames equal an unpadded call's. Returns (z (B, C, T) in the
        weights' dtype, f0 (B, T) float32 actually used, i.e. predicted when predict_f0).
        """
        dtype = self.pre.weight.dtype
        batch, _, frames = c.shape
        x_mask = torch.ones(batch, 1, frames, device=c.device, dtype=dtype)
        mask: torch.Tensor | None = None  # no padding: the all-ones mask's products are skipped (same values)
        if valid is not None:
            x_mask[:, :, valid:] = 0
            mask = x_mask
        x = masked(self.pre(c.to(dtype)), mask) + self.emb_uv(uv.long()).transpose(1, 2)
        if vol is not None and self.cfg.vol_embedding:
            x = x + self.emb_vol(vol.to(dtype)[:, :, None]).transpose(1, 2)
        f0 = f0.float()
        if predict_f0:
            if self.cfg.use_automatic_f0_prediction:
                lf0 = 2595.0 * torch.log10(1.0 + f0.unsqueeze(1) / 700.0) / 500
                norm_lf0 = normalize_log_f0(lf0, x_mask.float(), uv.float()).to(dtype)  # mean in float32
                pred_lf0 = self.f0_decoder(x, norm_lf0, mask, spk_emb=g).float()
                f0 = (700 * (torch.pow(10, pred_lf0 * 500 / 2595) - 1)).squeeze(1)
            else:
                log.warning(
                    "auto-predict F0 was asked for, but this model has no F0 predictor; using the given F0"
                )
        z_p = self.enc_p(x, mask, f0_to_coarse(f0, self.cfg.style), noise_scale, generator, eps)
        return self.flow.reverse(z_p, mask, g=g), f0

    def infer(
        self, c: torch.Tensor, f0: torch.Tensor, uv: torch.Tensor, sid: torch.Tensor, **options: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole generator in one call (the reference's `infer`): `latent`, then `dec`.

        c: (B, S, T); f0, uv: (B, T); sid: (B,) long speaker ids; options: noise_scale, predict_f0, vol,
        generator as for `latent`. Returns (audio (B, 1, N) in [-1, 1], f0 (B, T) float32 actually used).
        """
        g = self.speaker_embedding(sid)
        z, f0 = self.latent(c, f0, uv, g, **options)
        return self.dec(z, f0, g, options.get("generator")), f0
