"""The windowed synthesizer: the one way a So-VITS-SVC model turns features into audio (files and streams).

It calls only public methods of the model's parts, in the reference's order:
    ContentEncoder.encode_batch -> SynthesizerTrn.latent -> Generator.m_source -> Generator.decode
* **Front in windows.** ContentVec, the prior encoder (global self-attention) and the flow run over
  equal-length windows (`window_s`, with at least `context_s` of overlap context at inner joins), stacked into
  one batch, each keeping only the frames around its centre. A signal shorter than one window is one window:
  exactly `SynthesizerTrn.infer` on the whole signal.
* **Decoder in tiles.** NSF-HiFi-GAN is purely convolutional (receptive field ~12 frames), so it runs over
  equal-length tiles with DEC_CONTEXT frames of context: tiling is exact up to float rounding.
* **Few shapes.** cuDNN and oneDNN prepare their kernels per input shape, which costs more than converting
  a short input (docs/benchmarks.md, "A new input length"). Window and tile lengths are rounded up by
  `bucket_frames` (`length_buckets`; at most 1/8 more work): the prior encoder and flow run on zero padded
  windows with the padding masked (`SynthesizerTrn.latent`'s `valid`); several decoder tiles get more real
  context, a single short one is padded and decoded with `valid` (`Generator.decode`). Both are exact.
  On the CPU several windows or tiles round up to a multiple of 8 frames instead (`tile_step`): there the
  extra work of a repeated file costs more than a few more kernel shapes. ContentVec keeps the exact length
  (its group norm and attention see the whole window).
* **One harmonic source per signal,** generated in chunks that carry the phase (`SourcePhase`), so joins have
  no phase jumps and the (9, N) intermediates never exist for the whole signal.
* **Every random draw before the work** (`SynthNoise`: prior noise (C, T), sliced per window so overlapping
  windows agree on it; the source's initial phases and noise), so the same code runs eagerly or as a
  replayed CUDA graph (span_pass.py) and gives the same audio for the same seed either way.
* **Bounded memory.** Window and tile batches are capped by `max_batch_samples`; the pipeline hands it spans
  of at most `span_s`, so peak memory does not grow with the file's length.

Shapes: B batch, S ssl_dim, C inter channels, G gin channels, T frames, N = T * hop samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from autovoice_desktop.engine.sovits.content_input import CONTENT_RATE, stretch_units
from autovoice_desktop.engine.sovits.nsf_hifigan import HARMONICS, SourcePhase
from autovoice_desktop.engine.sovits.slicing import Window, batches, bucket_frames, plan_windows

DEC_CONTEXT = 16  # frames of decoder context each side (receptive field of the 44.1k NSF-HiFi-GAN ~12)
#: `content`'s result: per batch of windows, their units (B, S, L) stretched to the windows' frames
WindowUnits = list[tuple[list[Window], torch.Tensor]]


def pad_frames(x: torch.Tensor, length: int) -> torch.Tensor:
    """x (..., L) zero padded at its end to (..., length); x itself when L == length."""
    return x if x.shape[-1] == length else torch.nn.functional.pad(x, (0, length - x.shape[-1]))


@dataclass(frozen=True)
class SynthNoise:
    """Every random draw of one signal's synthesis (T frames, N = T * hop samples), float32 on the device.

    eps: (1, C, T) the prior's noise; start: (1, H+1) the harmonic source's initial phases (harmonic 0 at
    0); source: (1, 1, N) the source's standard normal noise. `draw` refills them, in that order.
    """

    eps: torch.Tensor
    start: torch.Tensor
    source: torch.Tensor

    @classmethod
    def empty(cls, model: Any, frames: int) -> SynthNoise:
        """Buffers for a signal of `frames` frames of `model` (a SovitsModel), not yet drawn."""
        dev, net = torch.device(model.device), model.net
        return cls(
            torch.empty(1, net.cfg.inter_channels, frames, device=dev),
            torch.empty(1, HARMONICS + 1, device=dev),
            torch.empty(1, 1, frames * net.dec.upp, device=dev),
        )

    def draw(self, generator: torch.Generator | None) -> SynthNoise:
        """Fill the buffers in place from `generator` (None: the device's default generator); returns self."""
        self.eps.normal_(generator=generator)
        self.start.uniform_(generator=generator)
        self.start[:, 0] = 0
        self.source.normal_(generator=generator)
        return self


@dataclass(frozen=True)
class WindowSettings:
    """Window/tile sizes. Defaults: GPU settings; `for_device` picks CPU ones (smaller, cache-friendly)."""

    window_s: float = 30.0
    context_s: float = 1.0
    dec_tile_s: float = 10.0
    max_batch_samples: int = 2**23  # audio samples per decoder call (bounds peak memory)
    source_chunk: int = 2**22  # samples per harmonic-source chunk
    span_s: float = 60.0  # longest stretch of audio the pipeline synthesises at once
    length_buckets: bool = True  # lengths rounded up by `bucket_frames` (off for fixed-shape streams)
    tile_step: int = 0  # several windows/tiles: lengths rounded up to a multiple of this (0: bucket_frames)

    @classmethod
    def for_device(cls, device: str) -> WindowSettings:
        """GPU defaults on CUDA; on the CPU small tiles and source chunks (the float64 sums stay in cache)."""
        if str(device).startswith("cuda"):
            return cls()
        # tile_step 8: on the CPU a repeated file's extra work costs more than a few more kernel shapes
        return cls(dec_tile_s=4.0, max_batch_samples=2**17, source_chunk=2**16, tile_step=8)

    def smaller(self) -> WindowSettings | None:
        """Half the windows, tiles and batches (for a CUDA out-of-memory retry); None at the floor."""
        if self.max_batch_samples <= 2**15:
            return None
        return replace(
            self,
            window_s=max(4.0, self.window_s / 2),
            dec_tile_s=max(1.0, self.dec_tile_s / 2),
            max_batch_samples=max(2**15, self.max_batch_samples // 2),
            source_chunk=max(2**16, self.source_chunk // 2),
            span_s=max(10.0, self.span_s / 2),
        )

    def describe(self) -> str:
        """The sizes in words, for the user."""
        return f"{self.window_s:.0f} s windows, {self.max_batch_samples} samples per call"


class WindowedSynth:
    """A loaded SovitsModel + ContentEncoder run as windows and tiles (see the module docstring)."""

    def __init__(self, model: Any, encoder: Any, settings: WindowSettings | None = None) -> None:
        self.model = model  # engine.sovits.SovitsModel
        self.encoder = encoder  # engine.content.ContentEncoder
        self.settings = settings or WindowSettings.for_device(model.device)
        self.device = torch.device(model.device)
        hop, sr = model.hop_length, model.sample_rate
        self.context = int(self.settings.context_s * sr / hop)
        self.window = max(int(self.settings.window_s * sr / hop), 2 * self.context + 1)
        self.hop_16k = hop * CONTENT_RATE / sr
        self._source_stream: torch.cuda.Stream | None = None  # CUDA: the harmonic source beside the latent

    def rounded(self, frames: int, several: bool) -> int:
        """The length to run a window or tile of `frames` at (see "Few shapes"); several: one of several."""
        if not self.settings.length_buckets:
            return frames
        multiple = self.settings.tile_step
        return -(-frames // multiple) * multiple if several and multiple else bucket_frames(frames)

    def plan(self, frames: int) -> list[Window]:
        """The windows over `frames` frames."""
        return plan_windows(frames, self.window, self.context)

    def speaker(self, speaker: int | str) -> torch.Tensor:
        """Speaker name or id -> g (1, G, 1)."""
        sid = torch.tensor([self.model.speaker_id(speaker)], device=self.device)
        return self.model.net.speaker_embedding(sid)

    @torch.inference_mode()
    def content(self, wav16: np.ndarray | torch.Tensor, frames: int) -> WindowUnits:
        """16 kHz audio of `frames` frames -> per window batch: units stretched to its windows (B, S, L).

        One window: the whole 16 kHz signal is encoded, as the reference's `Svc.infer` does; several: each
        window's share. Units are mapped to frames as the model's reference maps them (`stretch_units`).
        wav16 may be a tensor already on the device (the live stream's static buffer).
        """
        if isinstance(wav16, torch.Tensor):
            wav = wav16.to(self.device, torch.float32)
        else:
            wav = torch.as_tensor(np.asarray(wav16, dtype=np.float32)).to(self.device)
        windows = self.plan(frames)
        single = len(windows) == 1
        length16 = wav.numel() if single else int(round(windows[0].length * self.hop_16k))
        per = max(1, self.settings.max_batch_samples // max(1, length16 * 4))
        mapping = self.model.config.unit_mapping
        out = []
        for batch in batches(windows, per):
            rows = []
            for w in batch:
                lo = int(round(w.start * self.hop_16k))
                seg = wav[lo : lo + length16]
                rows.append(torch.nn.functional.pad(seg, (0, length16 - seg.numel())))
            units = self.encoder.encode_batch(torch.stack(rows))  # (B, S, T_c)
            out.append((batch, stretch_units(units, batch[0].length, mapping)))
        return out

    @torch.inference_mode()
    def render_tensors(
        self,
        units: WindowUnits,
        f0_t: torch.Tensor,
        uv_t: torch.Tensor,
        g: torch.Tensor,
        *,
        volume: torch.Tensor | None = None,
        noise_scale: float = 0.4,
        predict_f0: bool = False,
        generator: torch.Generator | None = None,
        noise: SynthNoise | None = None,
        step: Callable[[float], None] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Units from `content` + F0/uv (T,) on the device -> (audio (T * hop,) float32, f0 used (T,)).

        g: (1, G, 1) from `speaker`; volume: (T,) frame RMS or None; step(fraction): called between window and
        tile batches, it may raise to cancel; predict_f0: the model's F0 predictor replaces f0_t.

        noise: the random draws to use (None: drawn here from `generator`). With `noise` given, nothing here
        draws, waits for the device or copies from the host, so a fixed-size call can be captured as a CUDA
        graph (engine/sovits/span_pass.py).
        """
        net = self.model.net
        total = f0_t.numel()
        vol_t = volume
        if noise is None:
            noise = SynthNoise.empty(self.model, total).draw(generator)
        eps = noise.eps
        z_all = torch.empty(1, net.cfg.inter_channels, total, device=self.device, dtype=net.pre.weight.dtype)
        f0_used = f0_t.clone()
        har = None if predict_f0 else self._source_beside(f0_t, noise)  # the F0 is known: start it now
        side = self._source_stream if har is not None else None
        try:
            for k, (batch, u) in enumerate(units):
                if step is not None:
                    step(0.3 * k / len(units))
                rows = [slice(w.start, w.start + w.length) for w in batch]
                length = batch[0].length
                padded = self.rounded(length, several=len(units) > 1 or len(batch) > 1)
                z, f0w = net.latent(
                    pad_frames(u, padded),
                    pad_frames(torch.stack([f0_t[s] for s in rows]), padded),
                    pad_frames(torch.stack([uv_t[s] for s in rows]), padded),
                    g.expand(len(batch), -1, -1),
                    noise_scale,
                    predict_f0,
                    pad_frames(torch.stack([vol_t[s] for s in rows]), padded) if vol_t is not None else None,
                    eps=pad_frames(torch.stack([eps[0, :, s] for s in rows]), padded),
                    valid=length if padded > length else None,
                )
                for i, w in enumerate(batch):
                    a, b = w.keep_lo - w.start, w.keep_hi - w.start
                    z_all[0, :, w.keep_lo : w.keep_hi] = z[i, :, a:b]
                    f0_used[w.keep_lo : w.keep_hi] = f0w[i, a:b]
        finally:  # joined also when a step cancels: later work may reuse the memory the source uses
            if side is not None:
                torch.cuda.current_stream(self.device).wait_stream(side)
        if har is None:
            har = self.source(f0_used, noise)
        tile_step = None if step is None else (lambda f: step(0.3 + 0.7 * f))
        return self.decode(z_all, har, g, tile_step), f0_used

    def _source_beside(self, f0: torch.Tensor, noise: SynthNoise) -> torch.Tensor:
        """The harmonic source for F0 (T,) that the latent does not change: on CUDA on a side stream, so its
        ~50 small kernels run beside the prior encoder's and the flow's (render_tensors joins the streams
        before the decoder reads it; in a CUDA graph the two become parallel branches). Elsewhere in order."""
        if self.device.type != "cuda":
            return self.source(f0, noise)
        out = self._source_buffer(f0)  # made on the calling stream, which reads it after the join
        if self._source_stream is None:
            self._source_stream = torch.cuda.Stream(self.device)
        self._source_stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(self._source_stream):  # its temporaries stay on the side stream
            self.source(f0, noise, out)
        return out

    def _source_buffer(self, f0: torch.Tensor) -> torch.Tensor:
        """An empty harmonic source (1, 1, T * upp) for F0 (T,), in the source module's dtype."""
        dec = self.model.net.dec
        dtype = dec.m_source.l_linear.weight.dtype
        return torch.empty(1, 1, f0.numel() * dec.upp, device=f0.device, dtype=dtype)

    def source(self, f0: torch.Tensor, noise: SynthNoise, out: torch.Tensor | None = None) -> torch.Tensor:
        """Harmonic source (1, 1, N) for F0 (T,), generated in chunks that carry the phase (into `out`)."""
        dec = self.model.net.dec
        upp = dec.upp
        per = max(1, self.settings.source_chunk // upp)
        phase = SourcePhase(start=noise.start)
        if out is None:
            out = self._source_buffer(f0)
        for lo in range(0, f0.numel(), per):
            draws = noise.source[:, :, lo * upp : (lo + per) * upp]
            part = dec.m_source(f0[None, lo : lo + per], upp, phase=phase, noise=draws)
            out[:, :, lo * upp : lo * upp + part.shape[2]] = part
        return out

    def decode(
        self, z: torch.Tensor, har: torch.Tensor, g: torch.Tensor, step: Callable[[float], None] | None = None
    ) -> torch.Tensor:
        """Tiled NSF-HiFi-GAN: z (1, C, T), har (1, 1, N), g (1, G, 1) -> audio (N,) float32."""
        dec = self.model.net.dec
        upp, total = dec.upp, z.shape[2]
        tile = max(2 * DEC_CONTEXT + 1, int(self.settings.dec_tile_s * self.model.sample_rate / upp))
        tiles = plan_windows(total, tile + 2 * DEC_CONTEXT, DEC_CONTEXT, lambda n: self.rounded(n, True))
        valid, length = None, tiles[0].length
        if len(tiles) == 1:  # one short tile: zero padded to its bucket, the padding masked (`valid`)
            length = self.rounded(total, False)
            valid = total if length > total else None
            z, har = pad_frames(z, length), pad_frames(har, length * upp)
        per = max(1, self.settings.max_batch_samples // (length * upp))
        audio = torch.empty(total * upp, device=z.device, dtype=torch.float32)
        groups = batches(tiles, per)
        for k, group in enumerate(groups):
            if step is not None:
                step(k / len(groups))
            zs = torch.stack([z[0, :, t.start : t.start + length] for t in group])
            hs = torch.stack([har[0, :, t.start * upp : (t.start + length) * upp] for t in group])
            y = dec.decode(zs, hs, g.expand(len(group), -1, -1), valid)
            for i, t in enumerate(group):
                a, b = (t.keep_lo - t.start) * upp, (t.keep_hi - t.start) * upp
                audio[t.keep_lo * upp : t.keep_hi * upp] = y[i, 0, a:b].float()
        return audio
