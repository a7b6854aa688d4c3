"""Speed path of the So-VITS-SVC conversion (issue 8): windowed, batched, memory-bounded synthesis.

What it does differently from a plain `SynthesizerTrn.infer` over a whole file (reference-speed.md lists the
costs it removes):

* **Front in windows, decoder in tiles.** ContentVec, the prior encoder (`enc_p`, global self-attention) and
  the flow run over equal-length windows (`window_s` with at least `context_s` of overlap on each side),
  stacked into one batch on a GPU instead of a Python loop of small calls. Each window keeps only the frames
  around its centre, so the stitched latent z (C, T) sees context on both sides of every join. The
  NSF-HiFi-GAN decoder, which is purely convolutional (receptive field ~12 frames), then runs over
  equal-length tiles with `DEC_CONTEXT` frames of context: tiling is exact up to float rounding.
* **One harmonic source for the whole file.** The sine source is generated once from the stitched F0 in
  chunks that carry the phase state (the reference's float32 wrap arithmetic, summed along the last axis
  in float64), so joins have no phase jumps and the (9, N) intermediates never exist for the whole file.
* **The prior noise is drawn once for the whole file** (C, T) and sliced per window, so overlapping windows
  agree on it.
* **Bounded memory.** Window batch and tile batch are capped by `max_batch_samples`, so peak GPU memory does
  not grow with the input length beyond the audio-sized buffers (source, output).
* **World F0 in parallel.** `world_f0_parallel` runs pyworld (which releases the GIL) over frame-aligned
  segments with margins on a thread pool and stitches the raw frames, then resizes them exactly as
  `engine.pitch` does.
* **CUDA out of memory** -> `run_with_oom_fallback` retries with half the batch/window, then on the CPU.

Shapes: B batch, S ssl_dim, C inter channels, G gin channels, T frames, N = T * hop samples.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from autovoice_desktop.engine.device import cpu_bf16_supported  # noqa: F401 - part of this module's API

log = logging.getLogger(__name__)

DEC_CONTEXT = 16  # frames of decoder context each side (receptive field of the 44.1k NSF-HiFi-GAN ~12)
LRELU_SLOPE = 0.1


# ---- CPU threads ------------------------------------------------------------------------------------------
def load_aware_threads(max_threads: int | None = None) -> int:
    """Intra-op threads for this conversion: the usable CPUs minus the load others put on them.

    OpenMP threads that wait at a barrier for a descheduled sibling make a conversion many times slower on a
    busy machine (measured on 2 cores with other work: 1 thread 2.4-2.8 s, 2 threads 8-18 s for the same
    2 s of audio). So when the 1-minute load average says the other CPUs are taken, use fewer threads.
    """
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    wanted = min(max_threads or available, available)
    try:
        load = os.getloadavg()[0]
    except OSError:
        return max(1, wanted)
    free = available - int(math.floor(load + 0.25))
    return max(1, min(wanted, free))


# ---- F0 ---------------------------------------------------------------------------------------------------
def world_f0_parallel(
    audio: np.ndarray,
    sr: int,
    hop: int,
    n_frames: int,
    method: str = "dio",
    workers: int | None = None,
    segment_s: float | None = None,
    margin_s: float = 0.25,
    tick: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Raw F0 (n_frames,) like `engine.pitch.raw_f0` for dio/harvest, computed over segments in parallel.

    Segments start on frame boundaries, carry `margin_s` of audio on each side and keep only their core
    frames, so the stitched raw track matches a whole-file run except for rounding near the joins.
    `segment_s` defaults to an equal share per worker (1-2 s). With the default 0.25 s margin the result is
    bit-identical to a whole-file run (60 s of speech and singing: all 5167 frames equal), and because
    dio's cost grows faster than linearly with length, 2 s segments are ~3.8x faster even on one core pair.
    `tick(fraction done)` is called after every round of `workers` segments (a few seconds of audio), in the
    calling thread; an exception it raises (ConversionCancelled) stops the analysis within that round.
    """
    import pyworld

    from autovoice_desktop.engine.pitch import F0_MAX, F0_MIN, _resize_f0

    x = np.ascontiguousarray(audio, dtype=np.float64)
    period = 1000.0 * hop / sr
    total = int(len(x) / sr * 1000.0 / period) + 1  # GetSamplesForDIO / Harvest
    workers = workers or (os.cpu_count() or 1)
    if segment_s is None:
        segment_s = min(2.0, max(1.0, len(x) / sr / workers))
    seg = max(1, int(segment_s * sr / hop))
    margin = int(margin_s * sr / hop) + 1
    starts = list(range(0, total, seg))
    workers = max(1, min(len(starts), workers))

    def one(start: int) -> tuple[int, np.ndarray]:
        lo = max(0, start - margin)
        hi = min(total, start + seg + margin)
        piece = np.ascontiguousarray(x[lo * hop : hi * hop])
        if piece.size < hop * 2:
            return start, np.zeros(min(seg, total - start))
        if method == "dio":
            f0, t = pyworld.dio(piece, sr, f0_floor=F0_MIN, f0_ceil=F0_MAX, frame_period=period)
        else:
            f0, t = pyworld.harvest(piece, sr, f0_floor=F0_MIN, f0_ceil=F0_MAX, frame_period=period)
        f0 = pyworld.stonemask(piece, f0, t, sr)
        core = f0[start - lo : start - lo + min(seg, total - start)]
        out = np.zeros(min(seg, total - start))
        out[: core.size] = core
        return start, out

    raw = np.zeros(total)
    results: list[tuple[int, np.ndarray]] = []
    with ThreadPoolExecutor(workers) as pool:
        for first in range(0, len(starts), workers):  # rounds: progress and cancel every few seconds
            round_starts = starts[first : first + workers]
            results.extend(pool.map(one, round_starts) if len(round_starts) > 1 else map(one, round_starts))
            if tick is not None:
                tick(len(results) / len(starts))
    for start, values in results:
        raw[start : start + values.size] = values
    return _resize_f0(np.round(raw, 1), n_frames)


# ---- window plans -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """A window [start, start + length) of which frames [keep_lo, keep_hi) (absolute) are used."""

    start: int
    length: int
    keep_lo: int
    keep_hi: int


def plan_windows(total: int, length: int, context: int) -> list[Window]:
    """Equal-length windows covering [0, total) with >= context frames of overlap context at inner joins.

    The first window starts at 0 and the last ends at `total` (no padding is ever needed, and the file's
    true edges are treated exactly as a whole-file run treats them). total <= length gives one window.
    `length` is the longest allowed: the windows are shortened to the least that still covers `total` with
    that many windows (60 s in 30 s windows: 3 x 21.3 s, not 3 x 30 s, a third less work).
    """
    if total <= length:
        return [Window(0, total, 0, total)]
    if length <= 2 * context:
        raise ValueError("window length must exceed twice the context")
    stride = length - 2 * context
    count = math.ceil((total - length) / stride) + 1
    length = min(length, -(-(total + 2 * context * (count - 1)) // count))
    starts = [round(i * (total - length) / (count - 1)) for i in range(count)]
    bounds = [0] + [(starts[i + 1] + starts[i] + length) // 2 for i in range(count - 1)] + [total]
    return [Window(s, length, bounds[i], bounds[i + 1]) for i, s in enumerate(starts)]


def _batches(items: list[Window], per_batch: int) -> list[list[Window]]:
    per_batch = max(1, per_batch)
    return [items[i : i + per_batch] for i in range(0, len(items), per_batch)]


# ---- the fast synthesizer ---------------------------------------------------------------------------------
@dataclass
class FastSettings:
    """Window/tile sizes. Defaults: GPU settings; `for_device` picks CPU ones (smaller, cache-friendly)."""

    window_s: float = 30.0
    context_s: float = 1.0
    dec_tile_s: float = 10.0
    max_batch_samples: int = 2**23  # audio samples per decoder call (bounds peak memory)
    source_chunk: int = 2**22  # samples per harmonic-source chunk

    @classmethod
    def for_device(cls, device: str) -> FastSettings:
        if device.startswith("cuda"):
            return cls()
        # CPU: small source chunks keep the (9, n) float64 phase sums in cache (4x faster than one pass)
        return cls(window_s=30.0, context_s=1.0, dec_tile_s=4.0, max_batch_samples=2**17, source_chunk=2**16)


class FastSovits:
    """Content encoder + SovitsModel run as windows/tiles. `convert` returns float32 (T * hop,) audio."""

    def __init__(self, model: Any, encoder: Any, settings: FastSettings | None = None) -> None:
        self.model = model  # engine.sovits.SovitsModel
        self.encoder = encoder  # engine.content.ContentEncoder
        self.settings = settings or FastSettings.for_device(model.device)

    # -- pieces --
    def _sync(self) -> None:
        if str(self.model.device).startswith("cuda"):
            torch.cuda.synchronize()

    def content(
        self, wav16: torch.Tensor, windows: list[Window], hop_16k: float, frames16: int,
        step: Callable[[float], None] | None = None,
    ) -> list:  # fmt: skip
        """Per window: ContentVec units stretched to the window's frames, (B, S, L) per batch.

        `step(fraction)` is called before every batch (progress and cancel)."""
        enc = self.encoder
        out = []
        per = max(1, self.settings.max_batch_samples // max(1, frames16 * 4))
        batches = _batches(windows, per)
        for k, batch in enumerate(batches):
            if step is not None:
                step(k / len(batches))
            rows = []
            for w in batch:
                lo = int(round(w.start * hop_16k))
                seg = wav16[lo : lo + frames16]
                if seg.numel() < frames16:
                    seg = F.pad(seg, (0, frames16 - seg.numel()))
                rows.append(seg)
            x = torch.stack(rows).to(enc.device, enc.dtype)
            if x.shape[1] < 400:
                x = F.pad(x, (0, 400 - x.shape[1]))
            hidden = enc.model(x).last_hidden_state
            if enc.final_proj is not None:
                hidden = enc.final_proj(hidden)
            units = hidden.transpose(1, 2)  # (B, S, Tc)
            length = batch[0].length
            idx = torch.floor(torch.arange(length, device=units.device) * units.shape[2] / length).long()
            out.append((batch, units[:, :, idx]))
        return out

    def front(
        self,
        units: torch.Tensor,
        f0: torch.Tensor,
        uv: torch.Tensor,
        eps: torch.Tensor,
        g: torch.Tensor,
        noise_scale: float,
        predict_f0: bool,
        vol: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Windows -> (z (B, C, L), f0 used (B, L)). Mirrors SynthesizerTrn.infer up to the decoder."""
        from autovoice_desktop.engine.sovits.commons import f0_to_coarse, normalize_log_f0

        net = self.model.net
        dtype = net.pre.weight.dtype
        b, _, length = units.shape
        x_mask = torch.ones(b, 1, length, device=units.device, dtype=dtype)
        x = net.pre(units.to(dtype)) + net.emb_uv(uv.long()).transpose(1, 2)
        if vol is not None and net.cfg.vol_embedding:
            x = x + net.emb_vol(vol.to(dtype)[:, :, None]).transpose(1, 2)
        if predict_f0 and net.cfg.use_automatic_f0_prediction:
            lf0 = 2595.0 * torch.log10(1.0 + f0.unsqueeze(1) / 700.0) / 500
            norm = normalize_log_f0(lf0.to(dtype), x_mask, uv.to(dtype))
            pred = net.f0_decoder(x, norm, x_mask, spk_emb=g).float()
            f0 = (700 * (torch.pow(10, pred * 500 / 2595) - 1)).squeeze(1)
        enc = net.enc_p
        h = x + enc.f0_emb(f0_to_coarse(f0, net.cfg.style)).transpose(1, 2)
        h = enc.enc_(h, x_mask)
        stats = enc.proj(h)
        m, logs = torch.split(stats, enc.out_channels, dim=1)
        z_p = m + eps.to(dtype) * torch.exp(logs) * noise_scale
        z = net.flow.reverse(z_p, x_mask, g=g)
        return z, f0

    def source(self, f0: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Whole-file harmonic source (1, 1, N) in the weights' dtype, generated in phase-carrying chunks."""
        dec = self.model.net.dec
        sine = dec.m_source.l_sin_gen
        lin = dec.m_source.l_linear
        upp = dec.upp
        dev = f0.device
        harmonics = torch.arange(1, sine.harmonic_num + 2, device=dev, dtype=torch.float32)[:, None]
        rand_ini = torch.rand(1, sine.harmonic_num + 1, device=dev, generator=generator)
        rand_ini[:, 0] = 0
        # The reference's phase arithmetic (float32 increments, wraps found where the float32 running sum's
        # fractional part decreases, sums accumulated in float64), run chunk by chunk with its state carried.
        sum_rad = torch.zeros(sine.harmonic_num + 1, 1, device=dev, dtype=torch.float64)
        sum_shifted = torch.zeros_like(sum_rad)
        prev_running: torch.Tensor | None = None
        frames_per_chunk = max(1, self.settings.source_chunk // upp)
        out = torch.empty(1, 1, f0.numel() * upp, device=dev, dtype=lin.weight.dtype)
        weight, bias = lin.weight.float(), lin.bias.float()
        for lo in range(0, f0.numel(), frames_per_chunk):
            f = f0[lo : lo + frames_per_chunk].float()
            f_up = f.repeat_interleave(upp)  # (n,)
            rad = (f_up[None, :] * harmonics / sine.sampling_rate) % 1  # (H+1, n) float32
            if lo == 0:
                rad[:, 0] = rad[:, 0] + rand_ini[0]
            total_rad = torch.cumsum(rad.double(), dim=1) + sum_rad
            running = total_rad.float() % 1
            shift = torch.zeros_like(rad)
            shift[:, 1:] = ((running[:, 1:] - running[:, :-1]) < 0) * -1.0
            if prev_running is not None:
                shift[:, :1] = ((running[:, :1] - prev_running) < 0) * -1.0
            total_shifted = torch.cumsum((rad + shift).double(), dim=1) + sum_shifted
            phase = total_shifted.float()
            sum_rad, sum_shifted, prev_running = total_rad[:, -1:], total_shifted[:, -1:], running[:, -1:]
            sines = torch.sin(phase * (2 * math.pi)) * sine.sine_amp  # (H+1, n)
            uv = (f_up > 0).float()[None]
            noise_amp = uv * sine.noise_std + (1 - uv) * sine.sine_amp / 3
            # The reference draws independent noise per harmonic and merges it with l_linear; the merged
            # noise is one Gaussian per sample with std noise_amp * ||w||: draw that directly (9x fewer).
            noise = torch.randn(uv.shape, device=dev, generator=generator)
            merged = torch.tanh(weight @ (sines * uv) + bias[:, None] + noise_amp * weight.norm() * noise)
            out[0, :, lo * upp : lo * upp + merged.shape[1]] = merged.to(out.dtype)
        return out

    def decode(
        self,
        z: torch.Tensor,
        har: torch.Tensor,
        g: torch.Tensor,
        step: Callable[[float], None] | None = None,
    ) -> torch.Tensor:
        """Tiled NSF-HiFi-GAN: z (1, C, T), har (1, 1, N), g (1, G, 1) -> audio (N,) float32."""
        dec = self.model.net.dec
        upp = dec.upp
        total = z.shape[2]
        tile = max(2 * DEC_CONTEXT + 1, int(self.settings.dec_tile_s * self.model.sample_rate / upp))
        tiles = plan_windows(total, tile + 2 * DEC_CONTEXT, DEC_CONTEXT)
        per = max(1, self.settings.max_batch_samples // (tiles[0].length * upp))
        audio = torch.empty(total * upp, device=z.device, dtype=torch.float32)
        batches = _batches(tiles, per)
        for k, batch in enumerate(batches):
            if step is not None:
                step(k / len(batches))
            zs = torch.stack([z[0, :, t.start : t.start + t.length] for t in batch])
            hs = torch.stack([har[0, :, t.start * upp : (t.start + t.length) * upp] for t in batch])
            y = _decoder_forward(dec, zs, hs, g.expand(len(batch), -1, -1))
            for i, t in enumerate(batch):
                a, b = (t.keep_lo - t.start) * upp, (t.keep_hi - t.start) * upp
                audio[t.keep_lo * upp : t.keep_hi * upp] = y[i, 0, a:b].float()
        return audio

    # -- whole conversion --
    @torch.inference_mode()
    def synthesize(
        self,
        wav16: np.ndarray | torch.Tensor,
        f0: np.ndarray | Callable[[], tuple[np.ndarray, np.ndarray]],
        uv: np.ndarray | None,
        speaker: int | str = 0,
        noise_scale: float = 0.4,
        auto_predict_f0: bool = False,
        seed: int | None = None,
        timings: dict[str, float] | None = None,
        n_frames: int | None = None,
        volume: np.ndarray | None = None,
        progress: Callable[[float, str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> np.ndarray:
        """16 kHz audio + model-grid F0/uv (T,) -> float32 audio (T * hop,) at the model rate.

        `f0` may be a callable returning (f0, uv) (e.g. a Future's result): it is called after the content
        encoder has been queued, so a CPU F0 tracker overlaps the GPU work. `timings` (if given) receives
        synchronised seconds for "content", "f0_wait" and "synth". `volume` (T,) frame RMS conditions
        vol_embedding models. `progress(fraction, stage)` is called and `cancel` checked (ConversionCancelled)
        between window batches and decoder tile batches.
        """
        from autovoice_desktop.core.types import check_cancel

        def step(fraction: float, stage: str) -> None:
            check_cancel(cancel)
            if progress is not None:
                progress(min(1.0, max(0.0, fraction)), stage)

        import time

        model = self.model
        dev = torch.device(model.device)
        sid = model.speaker_id(speaker)
        if callable(f0) and n_frames is None:
            raise ValueError("n_frames is needed when f0 is a callable")
        total = int(n_frames) if n_frames is not None else len(f0)
        hop, sr = model.hop_length, model.sample_rate
        generator = torch.Generator(device=dev).manual_seed(seed) if seed is not None else None
        t0 = time.perf_counter()
        wav = torch.as_tensor(np.asarray(wav16, dtype=np.float32)).to(dev)
        ctx = int(self.settings.context_s * sr / hop)
        length = max(int(self.settings.window_s * sr / hop), 2 * ctx + 1)
        windows = plan_windows(total, length, ctx)
        hop_16k = hop * 16000 / sr
        frames16 = int(round(windows[0].length * hop_16k))
        step(0.0, "Content")
        units = self.content(wav, windows, hop_16k, frames16, lambda f: step(0.1 * f, "Content"))
        if timings is not None:
            self._sync()
            timings["content"] = time.perf_counter() - t0
        if callable(f0):
            tw = time.perf_counter()
            f0, uv = f0()
            if timings is not None:
                timings["f0_wait"] = time.perf_counter() - tw
            if len(f0) != total:
                raise ValueError(f"F0 has {len(f0)} frames, expected {total}")
        t1 = time.perf_counter()
        net = model.net
        f0_t = torch.as_tensor(np.asarray(f0, dtype=np.float32)).to(dev)
        uv_t = torch.as_tensor(np.asarray(uv, dtype=np.float32)).to(dev)
        g1 = net.emb_g(torch.tensor([[sid]], device=dev)).transpose(1, 2)  # (1, G, 1)
        eps = torch.randn(1, net.cfg.inter_channels, total, device=dev, generator=generator)
        z_all = torch.empty(1, net.cfg.inter_channels, total, device=dev, dtype=net.pre.weight.dtype)
        f0_used = f0_t.clone()
        vol_t = torch.as_tensor(np.asarray(volume, np.float32)).to(dev) if volume is not None else None
        for k, (batch, u) in enumerate(units):
            step(0.1 + 0.2 * k / len(units), "Synthesis")
            sl = [slice(w.start, w.start + w.length) for w in batch]
            z, f0w = self.front(
                u,
                torch.stack([f0_t[s] for s in sl]),
                torch.stack([uv_t[s] for s in sl]),
                torch.stack([eps[0, :, s] for s in sl]),
                g1.expand(len(batch), -1, -1),
                noise_scale,
                auto_predict_f0,
                torch.stack([vol_t[s] for s in sl]) if vol_t is not None else None,
            )
            for i, w in enumerate(batch):
                a, b = w.keep_lo - w.start, w.keep_hi - w.start
                z_all[0, :, w.keep_lo : w.keep_hi] = z[i, :, a:b]
                f0_used[w.keep_lo : w.keep_hi] = f0w[i, a:b]
        har = self.source(f0_used, generator)
        audio = self.decode(z_all, har, g1, lambda f: step(0.3 + 0.7 * f, "Synthesis"))
        result = audio.cpu().numpy()
        if timings is not None:
            timings["synth"] = time.perf_counter() - t1
        return result


def _decoder_forward(dec: Any, x: torch.Tensor, har: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """`Generator.forward` with the harmonic source given: x (B, C, L), har (B, 1, L*upp), g (B, G, 1)."""
    x = dec.conv_pre(x) + dec.cond(g)
    for i in range(dec.num_upsamples):
        x = dec.ups[i](F.leaky_relu(x, LRELU_SLOPE))
        x = x + dec.noise_convs[i](har)
        xs = dec.resblocks[i * dec.num_kernels](x)
        for j in range(1, dec.num_kernels):
            xs = xs + dec.resblocks[i * dec.num_kernels + j](x)
        x = xs / dec.num_kernels
    x = dec.conv_post(F.leaky_relu(x))
    return torch.tanh(x)


# ---- CUDA out of memory ----------------------------------------------------------------------------------
def is_cuda_oom(exc: BaseException) -> bool:
    """True for torch.cuda.OutOfMemoryError and the RuntimeErrors cuDNN/cuBLAS raise when out of memory."""
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "CUDNN_STATUS_ALLOC_FAILED" in text)


def run_with_oom_fallback(
    attempt: Callable[[str, FastSettings], Any],
    device: str,
    settings: FastSettings,
    *,
    to_cpu: Callable[[], None] | None = None,
    notice: Callable[[str], None] | None = None,
    min_window_s: float = 4.0,
) -> tuple[Any, str, FastSettings]:
    """Run `attempt(device, settings)`; on CUDA OOM retry with half the batch and window, then on the CPU.

    Returns (result, device used, settings used). `to_cpu` moves the models to the CPU before the CPU try;
    `notice` receives one user-facing sentence per fallback. Errors other than OOM propagate unchanged.
    """
    current = settings
    while True:
        try:
            return attempt(device, current), device, current
        except Exception as exc:
            if not device.startswith("cuda") or not is_cuda_oom(exc):
                raise
            _free_cuda()
            smaller = FastSettings(
                window_s=max(min_window_s, current.window_s / 2),
                context_s=current.context_s,
                dec_tile_s=max(1.0, current.dec_tile_s / 2),
                max_batch_samples=max(2**15, current.max_batch_samples // 2),
                source_chunk=max(2**16, current.source_chunk // 2),
            )
            if smaller == current or current.max_batch_samples <= 2**15:
                break
            msg = (
                f"the GPU ran out of memory; retrying with smaller chunks "
                f"({smaller.window_s:.0f} s windows, {smaller.max_batch_samples} samples per call)"
            )
            log.warning(msg)
            if notice:
                notice(msg)
            current = smaller
    msg = "the GPU ran out of memory even with small chunks; converting on the CPU instead"
    log.warning(msg)
    if notice:
        notice(msg)
    if to_cpu:
        to_cpu()
    _free_cuda()
    cpu_settings = FastSettings.for_device("cpu")
    return attempt("cpu", cpu_settings), "cpu", cpu_settings


def _free_cuda() -> None:
    import gc

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


# ---- the whole-file pipeline on the speed path -------------------------------------------------------------
WHOLE_MAX_SECONDS = 900.0  # longer inputs keep the pipeline's chunk loop (its memory does not grow at all)


def fast_path_applies(model: Any, encoder: Any, seconds: float = 0.0) -> bool:
    """True for a loaded SovitsModel + ContentEncoder and an input of at most WHOLE_MAX_SECONDS.

    Other models (test fakes) and very long inputs keep `engine.sovits.pipeline`'s chunk loop: the speed
    path holds a few audio-sized buffers (harmonic source, latent, output) for the whole file.
    """
    from autovoice_desktop.engine.content import ContentEncoder
    from autovoice_desktop.engine.sovits.model import SovitsModel

    if not isinstance(model, SovitsModel) or not isinstance(encoder, ContentEncoder):
        return False
    return model._net is not None and seconds <= WHOLE_MAX_SECONDS


SKIP_MARGIN_S = 1.0  # audio kept around each speech span as context (ContentVec, prior encoder, flow)
SKIP_MIN_SAVING = 0.1  # skip silence only when that saves at least this share of the frames


def speech_spans(pieces: list[Any], n_frames: int, hop: int, margin: int) -> list[tuple[int, int]]:
    """Frame ranges to synthesise: each piece widened by `margin` frames, merged where they touch.

    One span covering the file when skipping would save less than SKIP_MIN_SAVING (then the output is
    exactly the whole-file run's).
    """
    spans: list[list[int]] = []
    for piece in pieces:
        lo, hi = max(0, piece.start // hop - margin), min(n_frames, -(-piece.end // hop) + margin)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    if not spans or sum(hi - lo for lo, hi in spans) > (1.0 - SKIP_MIN_SAVING) * n_frames:
        return [(0, n_frames)]
    return [(lo, hi) for lo, hi in spans]


def convert_whole(
    model: Any,
    encoder: Any,
    audio: np.ndarray,
    sample_rate: int,
    opts: Any,
    *,
    progress: Callable[[float, str], None] | None = None,
    cancel: threading.Event | None = None,
    device: str = "cpu",
    settings: FastSettings | None = None,
) -> Any:
    """`engine.sovits.pipeline.convert` on the speed path: same slicing, joins, fades, silence and output.

    F0 runs once over the whole file (dio/harvest in parallel segments, bit-identical to a whole-file run;
    fcpe on the model's device), the synthesizer runs as windows and tiles (FastSovits) over the speech spans
    (the pieces plus SKIP_MARGIN_S of context; long silences are skipped, as the reference skips silent
    slices), and the pipeline's pieces then cut, fade and crossfade that output exactly as the chunk loop
    places its per-chunk outputs: silence stays exact zeros, the duration is the input's.
    """
    import soxr

    from autovoice_desktop.core.types import check_cancel
    from autovoice_desktop.engine.pitch import compute_f0, interpolate_f0, transpose_f0
    from autovoice_desktop.engine.sovits import pipeline as pl
    from autovoice_desktop.engine.voice import ConversionResult, PitchTrack

    audio = pl.to_model_rate(audio, sample_rate, int(model.sample_rate))
    sr, hop = int(model.sample_rate), int(model.hop_length)
    n = audio.size
    n_frames = n // hop
    pieces = pl.plan_pieces(
        pl.speech_intervals(audio, sr, opts), n, hop,
        int(opts.max_chunk_seconds * sr), int(opts.crossfade_seconds * sr),
    )  # fmt: skip
    out = np.zeros(n, np.float32)
    times = (np.arange(n_frames) * hop / sr).astype(np.float32)
    if not pieces or n_frames == 0:
        zeros = np.zeros(n_frames, np.float32)
        return ConversionResult(out, sr, PitchTrack(times, zeros, zeros.copy()), device=device)

    def report(fraction: float, stage: str) -> None:
        check_cancel(cancel)
        if progress is not None:
            progress(min(1.0, max(0.0, fraction)), stage)

    report(0.0, "Pitch")
    method = opts.f0_method

    on_cuda = str(getattr(model, "device", "cpu")).startswith("cuda")

    def pitch_tick(fraction: float) -> None:  # on the CPU F0 runs alone first: its progress is the stage's
        if on_cuda:
            check_cancel(cancel)  # beside the GPU work: cancel only, the main thread reports progress
        else:
            report(0.1 * fraction, "Pitch")

    def pitch() -> tuple[np.ndarray, np.ndarray]:
        if method in ("dio", "harvest"):
            return interpolate_f0(world_f0_parallel(audio, sr, hop, n_frames, method, tick=pitch_tick))
        return compute_f0(audio, sr, hop, n_frames, method, opts.f0_device)

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(pitch)  # CPU F0 overlaps the content encoder on the GPU
        if not on_cuda:
            future.result()  # on the CPU, F0 threads beside the OpenMP team stall it: run F0 first
        wav16 = soxr.resample(audio, sr, 16000, quality="HQ").astype(np.float32)
        volume = pl.volume_rms(audio, hop, n_frames) if getattr(model, "vol_embedding", False) else None
        f0_box: dict[str, np.ndarray] = {}

        def get_f0() -> tuple[np.ndarray, np.ndarray]:
            f0, uv = future.result()
            f0_box["f0"], f0_box["uv"] = f0, uv
            return transpose_f0(f0, opts.transpose), uv

        seed = pl.DEFAULT_SEED if opts.seed is None else int(opts.seed)
        fast = FastSovits(model, encoder, settings)
        full = np.zeros(n, np.float32)
        spans = speech_spans(pieces, n_frames, hop, int(round(SKIP_MARGIN_S * sr / hop)))
        work, done = sum(hi - lo for lo, hi in spans), 0
        hop_16k = hop * 16000 / sr
        for lo, hi in spans:  # silence between the spans is never synthesised: it is zeros in the output

            def span_f0(lo: int = lo, hi: int = hi) -> tuple[np.ndarray, np.ndarray]:
                f0, uv = get_f0()
                return f0[lo:hi], uv[lo:hi]

            end16 = wav16.size if hi == n_frames else round(hi * hop_16k)
            wav = fast.synthesize(
                wav16[round(lo * hop_16k) : end16], span_f0, None, opts.speaker, opts.noise_scale,
                opts.auto_predict_f0, seed=seed, n_frames=hi - lo,
                volume=volume[lo:hi] if volume is not None else None, cancel=cancel,
                progress=lambda f, s, a=done, b=hi - lo: report(0.1 + 0.9 * (a + f * b) / work, s),
            )  # fmt: skip
            start = lo * hop
            full[start : start + wav.size] = wav[: n - start]
            done += hi - lo
    for k, piece in enumerate(pieces):
        pl._place(out, full[piece.start : piece.end], piece, pieces, k, sr)
    f0, uv = f0_box["f0"], f0_box["uv"]
    target = transpose_f0(f0, opts.transpose)
    speech = np.zeros(n_frames, bool)
    for piece in pieces:
        speech[piece.start // hop : min(n_frames, -(-piece.end // hop))] = True
    source_f0 = np.where(speech, f0 * uv, 0).astype(np.float32)
    target_f0 = np.where(speech, target * uv, 0).astype(np.float32)
    report(1.0, "Synthesis")
    return ConversionResult(out, sr, PitchTrack(times, source_f0, target_f0), device=device)
