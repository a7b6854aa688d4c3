"""File conversion with a So-VITS-SVC model, for every length: the one conversion path.

    audio -> model rate (`to_model_rate`: the lineage's reference resampler, ceil length) -> silence
    slicing (`slicing.speech_intervals`, the fork's split_silence defaults: -40 dB relative, 0.5 s chunks)
    -> pieces on the frame grid, long runs cut into crossfaded pieces -> F0 once over the file (`analyse`:
    T = N // hop frames, uv before interpolation, the model's lineage's gap fill, then transpose or the
    user's F0 curve) -> spans = pieces plus 1 s of context, long silences skipped, at most `span_s` each ->
    per span: 16 kHz audio (`content_input`: torchaudio's sinc, as both references) -> `WindowedSynth`
    (content, latent, source, decoder) -> each piece cut from its span's output, faded and crossfaded into
    the result (`place_piece`).

Differences from the fork, all for smoother joins: piece edges are snapped to the model's frame grid; the
context around a piece is the real neighbouring audio rather than zero padding; a speech run longer than the
max chunk is cut into overlapping pieces joined by a linear crossfade instead of a hard cut; speech edges next
to silence get a 10 ms fade. Silence stays exact zeros. The output has exactly the input's duration at the
model rate.

Memory: the model-rate input, its 16 kHz copy, the output and per-frame F0 span the whole file; everything
the model touches is at most one span (`WindowSettings.span_s`) long.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from autovoice_desktop.core.errors import AudioContentError, AudioEmptyError
from autovoice_desktop.core.types import F0Curve, ProgressFn, check_cancel
from autovoice_desktop.engine.device import host_copy, same_device
from autovoice_desktop.engine.f0_curve import curve_on_grid
from autovoice_desktop.engine.pitch import compute_f0, interpolate_f0, transpose_f0
from autovoice_desktop.engine.sovits.content_input import content_input_on, sinc_resample
from autovoice_desktop.engine.sovits.slicing import (
    Piece,
    place_piece,
    plan_pieces,
    speech_intervals,
    speech_mask,
    speech_spans,
    volume_rms,
)
from autovoice_desktop.engine.sovits.span_pass import SpanPass, SpanPasses, SpanShape
from autovoice_desktop.engine.sovits.windowed import WindowedSynth, WindowSettings
from autovoice_desktop.engine.voice import ConversionResult, PitchTrack

DEFAULT_SEED = 52468  # So-VITS-SVC 4.1 seeds every inference with this value
SKIP_MARGIN_S = 1.0  # audio kept around each speech span as context (ContentVec, prior encoder, flow)


@dataclass(frozen=True)
class PipelineOptions:
    """Conversion settings (reference defaults). seed None -> DEFAULT_SEED, so every run is reproducible.

    f0_curve: the user's target F0 (replaces the estimated F0 moved by transpose).
    """

    speaker: str | int = 0
    transpose: float = 0.0
    f0_method: str = "dio"
    noise_scale: float = 0.4
    auto_predict_f0: bool = False
    seed: int | None = None
    db_thresh: float = -40.0
    absolute_thresh: bool = False
    pad_seconds: float = 0.5
    chunk_seconds: float = 0.5
    max_chunk_seconds: float = 40.0
    crossfade_seconds: float = 0.1
    f0_device: str = "cpu"
    f0_curve: F0Curve | None = None


@dataclass(frozen=True)
class Analysis:
    """Per-frame features of a model-rate signal on the model's frame grid, all (T,).

    times: frame times in seconds (float64, i * hop / sr); f0: estimated F0 with gaps filled (the model's
    lineage), uv: 1 voiced / 0 unvoiced as estimated; target: the F0 the synthesizer is given (gaps filled);
    target_uv: the voicing the synthesizer is given (uv, and 0 where the user's curve is unvoiced);
    volume: frame RMS for vol_embedding models (None for the others).
    """

    times: np.ndarray
    f0: np.ndarray
    uv: np.ndarray
    target: np.ndarray
    target_uv: np.ndarray
    volume: np.ndarray | None = None


def to_model_rate(audio: np.ndarray, sample_rate: int, model_rate: int, lineage: str) -> np.ndarray:
    """Check mono float audio (N,) and resample it to the model's rate as the lineage's reference does, to
    ceil(N * model_rate / sample_rate) samples; typed errors if unusable.

    4.0: soxr HQ, what `librosa.load` (soxr_hq, fix=True) gives so-vits-svc-fork's command line; 4.1: the
    sinc of torchaudio's `Resample` (content_input.sinc_resample), what 4.1's `Svc.infer` does.
    """
    import soxr

    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise AudioContentError(f"audio must be mono (N,), got shape {audio.shape}")
    if audio.size == 0:
        raise AudioEmptyError("the audio is empty")
    if not np.all(np.isfinite(audio)):
        raise AudioContentError("the audio contains NaN or infinite samples")
    if sample_rate == model_rate:
        return audio
    if lineage != "4.0":
        return sinc_resample(audio, sample_rate, model_rate)
    out = soxr.resample(audio, sample_rate, model_rate, quality="HQ").astype(np.float32)
    size = math.ceil(audio.size * model_rate / sample_rate)
    return np.pad(out, (0, max(0, size - out.size)))[:size]


def shared_fcpe_input(wav16: np.ndarray | torch.Tensor, opts: PipelineOptions) -> Any:
    """The content encoder's 16 kHz input (from `content_input_on`) when it is also FCPE's input, else None.

    The content input is the sinc resample FCPE takes (pitch.raw_f0's `fcpe_input`); when it is already on
    the F0 device, FCPE uses it instead of uploading and resampling the audio again.
    """
    if opts.f0_method != "fcpe" or not isinstance(wav16, torch.Tensor):
        return None
    return wav16 if same_device(wav16.device, opts.f0_device) else None


def analyse(
    model: Any,
    audio: np.ndarray,
    opts: PipelineOptions,
    tick: Callable[[float], None] | None = None,
    fcpe_input: Any | None = None,
) -> Analysis:
    """The features of model-rate audio (N,) as the conversion uses them (see Analysis).

    tick(fraction of the F0 analysis done) is called every few seconds of audio (dio/harvest); fcpe_input:
    see `shared_fcpe_input`."""
    sr, hop = int(model.sample_rate), int(model.hop_length)
    n_frames = audio.size // hop
    lineage = model.config.style
    f0, uv = compute_f0(
        audio, sr, hop, n_frames, opts.f0_method, opts.f0_device, lineage, segmented=True, tick=tick,
        fcpe_input=fcpe_input,
    )  # fmt: skip
    times = np.arange(n_frames, dtype=np.float64) * hop / sr
    volume = volume_rms(audio, hop, n_frames) if model.vol_embedding else None
    if opts.f0_curve is None:
        return Analysis(times, f0, uv, transpose_f0(f0, opts.transpose), uv, volume)
    wanted = curve_on_grid(opts.f0_curve, times)
    target, _ = interpolate_f0(wanted, lineage)
    return Analysis(times, f0, uv, target, (uv * (wanted > 0)).astype(np.float32), volume)


def plan_speech(audio: np.ndarray, sr: int, hop: int, opts: PipelineOptions) -> list[Piece]:
    """The speech pieces of model-rate audio (N,): `speech_intervals` cut and snapped by `plan_pieces`."""
    runs = speech_intervals(audio, sr, opts.db_thresh, opts.absolute_thresh, opts.chunk_seconds)
    return plan_pieces(
        runs, audio.size, hop, int(opts.max_chunk_seconds * sr), int(opts.crossfade_seconds * sr)
    )


def convert(
    model: Any,
    encoder: Any,
    audio: np.ndarray,
    sample_rate: int,
    opts: PipelineOptions = PipelineOptions(),  # noqa: B008 - frozen dataclass
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    device: str = "cpu",
    settings: WindowSettings | None = None,
    analysis: Analysis | None = None,
    passes: SpanPasses | None = None,
) -> ConversionResult:
    """Convert mono float audio (N,) at sample_rate into the model's voice (same duration, model rate).

    model: a loaded SovitsModel; encoder: its ContentEncoder. `analysis` (from `analyse` on the model-rate
    audio, or features given by the caller) replaces the F0 and volume estimation. progress(fraction,
    stage) is called and `cancel` checked (raising ConversionCancelled) between window and tile batches
    (between spans when a span replays a CUDA graph). passes: the voice's span passes on CUDA, which replay
    repeated span shapes as CUDA graphs (span_pass.py); None runs every span eagerly.
    """
    audio = to_model_rate(audio, sample_rate, int(model.sample_rate), model.config.style)
    sr, hop = int(model.sample_rate), int(model.hop_length)
    n, n_frames = audio.size, audio.size // hop

    def report(fraction: float, stage: str) -> None:
        check_cancel(cancel)
        if progress is not None:
            progress(min(1.0, max(0.0, fraction)), stage)

    synth = WindowedSynth(model, encoder, settings)
    on_gpu = synth.device.type == "cuda"
    # F0 on the host runs beside the GPU's work; F0 on the same device (FCPE) or a CPU synthesis (whose OpenMP
    # team F0 threads would stall) runs first, in this thread
    beside = on_gpu and not str(opts.f0_device).startswith("cuda")

    def pitch_tick(fraction: float) -> None:  # F0 run first: its progress is the stage's
        if beside:
            check_cancel(cancel)  # beside the GPU work: cancel only, the main thread reports progress
        else:
            report(0.1 * fraction, "Pitch")

    report(0.0, "Pitch")
    out = np.zeros(n, np.float32)
    with ThreadPoolExecutor(2) as pool:
        sliced = pool.submit(plan_speech, audio, sr, hop, opts)  # numpy: beside the GPU's first work below
        wav16: np.ndarray | torch.Tensor | None = None
        pitch: Callable[[], Analysis] | None = None
        if analysis is not None:
            pitch = lambda: analysis  # noqa: E731
        elif on_gpu and not beside:  # F0 on the GPU (FCPE) while the host finds the speech
            wav16 = content_input_on(audio, sr, synth.device)
            gpu_found = analyse(model, audio, opts, pitch_tick, shared_fcpe_input(wav16, opts))
            pitch = lambda: gpu_found  # noqa: E731
        pieces = sliced.result()
        if not pieces or n_frames == 0:
            zeros = np.zeros(n_frames, np.float32)
            times = np.arange(n_frames, dtype=np.float64) * hop / sr
            return ConversionResult(out, sr, PitchTrack(times, zeros, zeros.copy()), device=device)
        if pitch is None and beside:
            pitch = pool.submit(analyse, model, audio, opts, pitch_tick).result
        elif pitch is None:
            found_first = analyse(model, audio, opts, pitch_tick)
            pitch = lambda: found_first  # noqa: E731
        if wav16 is None:
            wav16 = content_input_on(audio, sr, synth.device)  # on the GPU where it can
        seed = DEFAULT_SEED if opts.seed is None else int(opts.seed)
        g = synth.speaker(opts.speaker)
        spans = speech_spans(
            pieces, n_frames, hop, int(round(SKIP_MARGIN_S * sr / hop)), int(synth.settings.span_s * sr / hop)
        )
        work, done = sum(s.hi - s.lo for s in spans), 0
        options = {
            "noise_scale": opts.noise_scale,
            "predict_f0": opts.auto_predict_f0,
            # analyse gives a volume exactly for vol_embedding models
            "use_volume": bool(model.vol_embedding) if analysis is None else analysis.volume is not None,
        }
        for span in spans:  # silence between spans is never synthesised: it is zeros in the output
            lo, hi = span.lo, span.hi
            share = (hi - lo) / work
            base = 0.1 + 0.9 * done / work
            report(base, "Content")
            end16 = len(wav16) if hi == n_frames else round(hi * synth.hop_16k)
            span16 = wav16[round(lo * synth.hop_16k) : end16]
            shape = SpanShape(hi - lo, len(span16), **options)
            span_pass = SpanPass(synth, shape) if passes is None else passes.get(synth, shape, len(spans))
            span_pass.set_speaker(g)
            span_pass.start(span16)  # the content encoder's part, beside a host F0 still running
            found = pitch()
            audio = span_pass.finish(
                found.target[lo:hi], found.target_uv[lo:hi],
                None if found.volume is None else found.volume[lo:hi],
                torch.Generator(device=synth.device).manual_seed(seed),
                step=lambda f, b=base, s=share: report(b + 0.9 * s * f, "Synthesis"),
            )  # fmt: skip
            wav = host_copy(audio)  # valid until this thread's next host_copy: placed at once
            check_cancel(cancel)  # a cancel during the last span must not return a result
            start = lo * hop
            if wav.size < n - start and any(pieces[k].end - start > wav.size for k in span.pieces):
                wav = np.pad(wav, (0, n - start - wav.size))  # the file's last partial frame
            for k in span.pieces:
                piece = pieces[k]
                place_piece(out, wav[piece.start - start : piece.end - start], pieces, k, sr)
            done += hi - lo
        found = pitch()
    speech = speech_mask(pieces, n_frames, hop)
    source_f0 = np.where(speech, found.f0 * found.uv, 0).astype(np.float32)
    target_f0 = np.where(speech, found.target * found.target_uv, 0).astype(np.float32)
    report(1.0, "Synthesis")
    return ConversionResult(out, sr, PitchTrack(found.times, source_f0, target_f0), device=device)
