"""SovitsStream: block-by-block conversion for the live voice changer (engine/stream.py's VoiceStream).

Each call converts one fixed-length window (left context + the new block) through the same code as a file
conversion (`pipeline.analyse` for F0, `WindowedSynth` for the model) and returns the window's tail. What a
file conversion sets up per call is kept here instead: the model, encoder and F0 tracker stay loaded, the
speaker embedding, RNG and window planner are made once, the history is a preallocated buffer.
Differences from `pipeline.convert` on the same window: no silence slicing (a live block is never skipped)
and no per-call re-seeding (the noise continues from one block to the next).
With FCPE the F0 never leaves the GPU (`pitch.fcpe_f0_on_device`: grid, gap fill and transposition as tensor
operations), and the volume is uploaded before the GPU work starts, so the host waits once per block, for the
converted audio; F0 from the host (dio, harvest, or an F0 curve) and its volume come from `pipeline.analyse`.
The model part of a window runs through a `SpanPass` (span_pass.py): on CUDA one captured graph replay
per block instead of ~1,000 kernel launches from Python (AUTOVOICE_CUDA_GRAPHS=0 turns that off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from autovoice_desktop.core.types import ConversionParams
from autovoice_desktop.engine.device import host_copy
from autovoice_desktop.engine.pitch import fcpe_f0_on_device, semitone_ratio
from autovoice_desktop.engine.sovits.content_input import content_input_on
from autovoice_desktop.engine.sovits.pipeline import DEFAULT_SEED, PipelineOptions, analyse, shared_fcpe_input
from autovoice_desktop.engine.sovits.slicing import volume_rms
from autovoice_desktop.engine.sovits.span_pass import SpanPass, SpanShape
from autovoice_desktop.engine.sovits.windowed import WindowedSynth, WindowSettings

#: window sizes whose passes (and CUDA graphs, each with its own memory pool) are kept at once
KEPT_PASSES = 3


class SovitsStream:
    """Converts (context + new samples) windows; all arrays mono float32 at `sample_rate` (the model's)."""

    def __init__(
        self,
        model: Any,
        encoder: Any,
        params: ConversionParams,
        context_samples: int,
        to_options: Callable[[ConversionParams], PipelineOptions],
    ) -> None:
        self.model = model
        self._to_options = to_options
        opts = to_options(params)
        self.sample_rate = int(model.sample_rate)
        self.context_samples = int(max(0, context_samples))
        self._hop = int(model.hop_length)
        # a stream's window has one fixed length: rounding it up would only add work
        settings = replace(WindowSettings.for_device(model.device), length_buckets=False)
        self._synth = WindowedSynth(model, encoder, settings)
        seed = DEFAULT_SEED if opts.seed is None else int(opts.seed)
        self._generator = torch.Generator(device=self._synth.device).manual_seed(seed)
        self._window = np.zeros(self.context_samples, np.float32)  # context + the last block, reused
        self._graphs = True  # until a capture fails (AUTOVOICE_CUDA_GRAPHS=0: cuda_graphs.graphs_enabled)
        self._passes: dict[tuple[int, int], SpanPass] = {}
        self._apply(opts)

    def _apply(self, opts: PipelineOptions) -> None:
        old = getattr(self, "_opts", None)
        self._opts = opts
        self._g = self._synth.speaker(opts.speaker)  # computed once per setting, not per block
        if old is None or (old.noise_scale, old.auto_predict_f0) != (opts.noise_scale, opts.auto_predict_f0):
            self._passes.clear()  # baked into the captured graphs
        for window_pass in self._passes.values():
            window_pass.set_speaker(self._g)

    def set_params(self, params: ConversionParams) -> None:
        """Apply new conversion settings from the next block on (no restart, no reload)."""
        self._apply(self._to_options(params))

    def reset(self) -> None:
        """Forget the history (after a pause, a bypass or a dropout)."""
        self._window[:] = 0.0

    def convert(self, new_samples: np.ndarray, out_samples: int) -> np.ndarray:
        """Append new_samples (n,) to the history, convert the window, return its last out_samples samples."""
        new = np.nan_to_num(np.asarray(new_samples, dtype=np.float32).reshape(-1))
        size, context = self.context_samples + new.size, self.context_samples
        if self._window.size != size:  # a new block size: re-allocate once, keep the context
            window = np.zeros(size, np.float32)
            window[size - context :] = self._window[self._window.size - context :]
            self._window = window
        window = self._window
        window[:context] = window[size - context :]  # slide: the last context samples become the context
        window[context:] = new
        usable = window.size // self._hop * self._hop
        out = np.zeros(max(int(out_samples), 0), np.float32)
        if usable == 0 or out.size == 0:
            return out
        wav = self.convert_window(window[window.size - usable :])
        take = min(out.size, wav.size)
        out[out.size - take :] = wav[wav.size - take :]
        return out

    def convert_window(self, window: np.ndarray) -> np.ndarray:
        """A whole window (N,), N a multiple of hop -> converted audio (N,) float32."""
        model, opts, device = self.model, self._opts, self._synth.device
        frames = window.size // self._hop
        f0_on_device = opts.f0_method == "fcpe" and opts.f0_curve is None
        volume = None  # FCPE: the host RMS, uploaded now while the GPU is idle; else `analyse` finds it
        if model.vol_embedding and f0_on_device:
            volume = torch.from_numpy(volume_rms(window, self._hop, frames)).to(device)
        wav16 = content_input_on(window, self.sample_rate, device)
        window_pass = self._pass(frames, len(wav16))
        window_pass.start(wav16)  # as graphs: ContentVec runs on the GPU while F0 is found
        fcpe_input = shared_fcpe_input(wav16, opts)
        if f0_on_device:
            f0, target_uv = fcpe_f0_on_device(
                window, self.sample_rate, self._hop, frames, opts.f0_device, model.config.style, fcpe_input
            )
            target = f0 * semitone_ratio(opts.transpose)
        else:
            found = analyse(model, window, opts, fcpe_input=fcpe_input)
            target, target_uv, volume = found.target, found.target_uv, found.volume
        wav = window_pass.finish(target, target_uv, volume, self._generator)
        return np.nan_to_num(host_copy(wav), nan=0.0, posinf=0.0, neginf=0.0)

    def _pass(self, frames: int, length16: int) -> SpanPass:
        """The SpanPass for this window size (made on first use; the oldest dropped past KEPT_PASSES)."""
        key = (frames, length16)
        if key not in self._passes:
            while len(self._passes) >= KEPT_PASSES:
                self._passes.pop(next(iter(self._passes)))
            opts = self._opts
            shape = SpanShape(
                frames, length16, noise_scale=opts.noise_scale, predict_f0=opts.auto_predict_f0,
                use_volume=bool(self.model.vol_embedding),
            )  # fmt: skip
            made = SpanPass(self._synth, shape)
            made.set_speaker(self._g)
            if self._graphs and self._synth.device.type == "cuda" and not made.capture():
                self._graphs = False  # one failed capture is enough: later window sizes run eagerly too
            self._passes[key] = made
        return self._passes[key]
