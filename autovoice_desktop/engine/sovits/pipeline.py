"""File conversion with a So-VITS-SVC model: resample, slice at silences, F0 + content + volume, synthesize.

Per chunk (sovits-reference.md §1):
    audio (model rate) -> F0 + uv on the model grid (T = n // hop; uv before interpolation; transpose after)
                       -> 16 kHz (soxr) -> content encoder (dim, T_c) -> T frames: i <- floor(i*T_c/T)
                       -> volume: per-frame RMS (4.1 Volume_Extractor; only for vol_embedding models)
                       -> model.synthesize(content, f0, uv, speaker, noise_scale, auto_predict_f0, volume)

Slicing follows the fork's `split_silence` defaults (-40 dB relative, 0.5 s pad, 40 s max chunk). Differences,
all for smoother joins: chunk edges are snapped to the model's frame grid; the pad around a chunk is the real
neighbouring audio (zeros beyond the file) rather than zeros; a speech run longer than the max chunk is cut
into overlapping pieces joined by a linear crossfade instead of a hard cut; speech edges next to silence get a
10 ms fade. Silence stays exact zeros. The output has exactly the input's duration at the model rate.

Memory: one chunk's frames are alive at a time; only the model-rate waveform, the output buffer and the
per-frame pitch track (for plots) span the whole file.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

from autovoice_desktop.core.errors import AudioContentError, AudioEmptyError
from autovoice_desktop.core.types import ProgressFn, check_cancel
from autovoice_desktop.engine.pitch import compute_f0, transpose_f0
from autovoice_desktop.engine.voice import ConversionResult, PitchTrack

CONTENT_RATE = 16000
DEFAULT_SEED = 52468  # So-VITS-SVC 4.1 seeds every inference with this value
EDGE_FADE_SECONDS = 0.01


class SynthModel(Protocol):
    """What the pipeline needs from a SovitsModel (engine.sovits.model)."""

    sample_rate: int
    hop_length: int
    ssl_dim: int

    def synthesize(self, content: Any, f0: Any, uv: Any, speaker: Any = 0, noise_scale: float = 0.4,
                   auto_predict_f0: bool = False, volume: Any = None) -> np.ndarray: ...  # fmt: skip


class UnitEncoder(Protocol):
    """What the pipeline needs from a content encoder (engine.content.ContentEncoder)."""

    dim: int

    def encode(self, wav_16k: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PipelineOptions:
    """Conversion settings (reference defaults). seed None -> DEFAULT_SEED, so every run is reproducible."""

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


@dataclass(frozen=True)
class Piece:
    """Samples [start, end) of the model-rate input; fade_in/fade_out: samples crossfaded with a neighbour."""

    start: int
    end: int
    fade_in: int = 0
    fade_out: int = 0


def volume_rms(audio: np.ndarray, hop: int, n_frames: int) -> np.ndarray:
    """Per-frame RMS as 4.1's Volume_Extractor: reflect-pad the squared signal by hop//2 | (hop+1)//2.

    (N,) -> float32 (n_frames,).
    """
    sq = np.asarray(audio, dtype=np.float64) ** 2
    if sq.size < 2:
        sq = np.pad(sq, (0, 2 - sq.size))
    sq = np.pad(sq, (hop // 2, (hop + 1) // 2), mode="reflect")
    need = n_frames * hop
    if sq.size < need:
        sq = np.pad(sq, (0, need - sq.size))
    return np.sqrt(sq[:need].reshape(n_frames, hop).mean(axis=1)).astype(np.float32)


def stretch_units(units: np.ndarray, n_frames: int) -> np.ndarray:
    """(dim, T_c) -> (dim, n_frames) by the reference's nearest/"left" mapping: frame i <- floor(i*T_c/T)."""
    t_c = units.shape[1]
    if t_c == 0:
        return np.zeros((units.shape[0], n_frames), np.float32)
    idx = (np.arange(n_frames, dtype=np.int64) * t_c) // max(n_frames, 1)
    return np.ascontiguousarray(units[:, idx], dtype=np.float32)


def _block_energy(audio: np.ndarray, hop: int) -> np.ndarray:
    """Sums of squares of consecutive hop-sized blocks of [hop zeros] + audio + [hop zeros] (float64)."""
    m = audio.size // hop
    sums = [np.zeros(1)]
    step = max(1, (1 << 20) // hop) * hop  # about a million samples at a time: no whole-file float64 copy
    for a in range(0, m * hop, step):
        block = audio[a : min(a + step, m * hop)].astype(np.float64)
        sums.append((block * block).reshape(-1, hop).sum(axis=1))
    tail = audio[m * hop :].astype(np.float64)
    sums.append(np.array([np.dot(tail, tail)]))
    sums.append(np.zeros(1))
    return np.concatenate(sums)


def speech_intervals(audio: np.ndarray, sr: int, opts: PipelineOptions) -> list[tuple[int, int]]:
    """Non-silent [start, end) runs, exactly as the fork's split_silence (librosa.effects.split).

    Frames of 2L samples every L (L = min(sr/50*20+1, chunk_seconds*sr)//2), centred with zero padding; a
    frame is speech when 20*log10(rms / ref) > db_thresh, ref = the loudest frame (or 1 if absolute).
    """
    hop = max(1, int(min(sr / 50 * 20 + 1, opts.chunk_seconds * sr)) // 2)
    n = audio.size
    if not audio.any():  # digital silence has no speech (librosa would call it all "loud" relative to 0)
        return []
    energy = _block_energy(audio, hop)
    frames = 1 + n // hop
    rms = np.sqrt((energy[:frames] + energy[1 : frames + 1]) / (2 * hop))
    amin = 1e-5
    ref = 1.0 if opts.absolute_thresh else float(rms.max())
    db = 20.0 * np.log10(np.maximum(amin, rms)) - 20.0 * np.log10(max(amin, ref))
    voiced = db > opts.db_thresh
    if not voiced.any():
        return []
    edges = np.flatnonzero(np.diff(voiced.astype(np.int8))) + 1
    if voiced[0]:
        edges = np.concatenate([[0], edges])
    if voiced[-1]:
        edges = np.concatenate([edges, [frames]])
    samples = np.minimum(edges * hop, n).reshape(-1, 2)
    return [(int(a), int(b)) for a, b in samples if b > a]


def plan_pieces(runs: list[tuple[int, int]], n: int, hop: int, max_len: int, xfade: int) -> list[Piece]:
    """Snap runs to the frame grid, merge touching ones, cut long runs into overlapping crossfaded pieces."""
    snapped: list[list[int]] = []
    for a, b in runs:
        a, b = (a // hop) * hop, min(n, -(-b // hop) * hop)
        if snapped and a <= snapped[-1][1]:
            snapped[-1][1] = max(snapped[-1][1], b)
        else:
            snapped.append([a, b])
    max_len = max(max_len // hop * hop, 2 * hop)
    xfade = min(xfade // hop * hop, max_len // 2)
    pieces: list[Piece] = []
    for a, b in snapped:
        start, fade_in = a, 0
        while b - start > max_len:
            pieces.append(Piece(start, start + max_len, fade_in, xfade))
            start, fade_in = start + max_len - xfade, xfade
        pieces.append(Piece(start, b, fade_in, 0))
    return pieces


def _synth_call(model: SynthModel) -> Callable[..., np.ndarray]:
    """model.synthesize, with its `seed` keyword when it has one (else seeding torch's global RNG)."""
    try:
        has_seed = "seed" in inspect.signature(model.synthesize).parameters
    except (TypeError, ValueError):
        has_seed = False

    def call(seed: int, **kwargs: Any) -> np.ndarray:
        if has_seed:
            return model.synthesize(seed=seed, **kwargs)
        torch.manual_seed(seed)
        return model.synthesize(**kwargs)

    return call


def to_model_rate(audio: np.ndarray, sample_rate: int, model_rate: int) -> np.ndarray:
    """Check mono float audio (N,) and resample it to the model's rate (soxr HQ); typed errors if unusable."""
    import soxr

    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise AudioContentError(f"audio must be mono (N,), got shape {audio.shape}")
    if audio.size == 0:
        raise AudioEmptyError("the audio is empty")
    if not np.all(np.isfinite(audio)):
        raise AudioContentError("the audio contains NaN or infinite samples")
    if sample_rate != model_rate:
        audio = soxr.resample(audio, sample_rate, model_rate, quality="HQ").astype(np.float32)
    return audio


def convert(
    model: SynthModel,
    encoder: UnitEncoder,
    audio: np.ndarray,
    sample_rate: int,
    opts: PipelineOptions = PipelineOptions(),  # noqa: B008 - frozen dataclass
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    device: str = "cpu",
    fast_settings: Any = None,
) -> ConversionResult:
    """Convert mono float audio (N,) at sample_rate into the model's voice (same duration, model rate).

    A loaded SovitsModel + ContentEncoder take the speed path (`engine.accel.convert_whole`: one F0 pass,
    windowed/batched synthesis) with this function's slicing, joins, fades, silence and progress/cancel.
    """
    import soxr

    from autovoice_desktop.engine import accel

    if accel.fast_path_applies(model, encoder, np.size(audio) / max(1, sample_rate)):
        return accel.convert_whole(
            model, encoder, audio, sample_rate, opts, progress=progress, cancel=cancel, device=device,
            settings=fast_settings,
        )

    audio = to_model_rate(audio, sample_rate, int(model.sample_rate))
    sr, hop = int(model.sample_rate), int(model.hop_length)
    n = audio.size
    pieces = plan_pieces(
        speech_intervals(audio, sr, opts), n, hop,
        int(opts.max_chunk_seconds * sr), int(opts.crossfade_seconds * sr),
    )  # fmt: skip
    pad = int(round(opts.pad_seconds * sr / hop)) * hop
    n_frames = n // hop
    source_f0 = np.zeros(n_frames, np.float32)
    target_f0 = np.zeros(n_frames, np.float32)
    out = np.zeros(n, np.float32)
    synth = _synth_call(model)
    seed = DEFAULT_SEED if opts.seed is None else int(opts.seed)
    use_volume = bool(getattr(model, "vol_embedding", False))
    total = sum(p.end - p.start for p in pieces) or 1
    done = 0

    def report(fraction: float, stage: str) -> None:
        if progress is not None:
            progress(min(1.0, max(0.0, fraction)), stage)

    for k, piece in enumerate(pieces):
        check_cancel(cancel)
        share = (piece.end - piece.start) / total
        base = done / total
        # padded segment [start - pad, end + pad), zero-filled outside the file, length a multiple of hop
        seg_len = pad + (piece.end - piece.start) + pad
        seg_len += (-seg_len) % hop
        seg = np.zeros(seg_len, np.float32)
        lo, hi = max(0, piece.start - pad), min(n, piece.start - pad + seg_len)
        seg[lo - (piece.start - pad) : hi - (piece.start - pad)] = audio[lo:hi]
        t = seg_len // hop

        report(base, "Pitch")
        f0, uv = compute_f0(seg, sr, hop, t, opts.f0_method, opts.f0_device)
        f0_target = transpose_f0(f0, opts.transpose)
        check_cancel(cancel)

        report(base + 0.15 * share, "Content")
        wav16 = soxr.resample(seg, sr, CONTENT_RATE, quality="HQ").astype(np.float32)
        units = stretch_units(encoder.encode(wav16), t)
        del wav16
        volume = volume_rms(seg, hop, t) if use_volume else None
        check_cancel(cancel)

        report(base + 0.3 * share, "Synthesis")
        wav = synth(
            seed, content=units, f0=f0_target, uv=uv, speaker=opts.speaker,
            noise_scale=opts.noise_scale, auto_predict_f0=opts.auto_predict_f0, volume=volume,
        )  # fmt: skip
        check_cancel(cancel)  # a cancel during the synthesis of the last piece must not return a result
        wav = np.asarray(wav, dtype=np.float32).reshape(-1)
        if wav.size < seg_len:
            wav = np.pad(wav, (0, seg_len - wav.size))
        body = wav[pad : pad + piece.end - piece.start]
        _place(out, body, piece, pieces, k, sr)

        f_lo, f_hi = piece.start // hop, min(n_frames, -(-piece.end // hop))
        local = np.arange(f_lo, f_hi) - (piece.start - pad) // hop
        source_f0[f_lo:f_hi] = (f0 * uv)[local]
        target_f0[f_lo:f_hi] = (f0_target * uv)[local]
        done += piece.end - piece.start
        report(done / total, "Synthesis")
    report(1.0, "Synthesis")
    times = (np.arange(n_frames) * hop / sr).astype(np.float32)
    return ConversionResult(out, sr, PitchTrack(times, source_f0, target_f0), device=device)


def _place(out: np.ndarray, body: np.ndarray, piece: Piece, pieces: list[Piece], k: int, sr: int) -> None:
    """Add a piece's output into `out`: crossfade into overlapping neighbours, fade edges next to silence."""
    body = body.copy()
    length = body.size
    edge = max(1, int(EDGE_FADE_SECONDS * sr))
    if piece.fade_in:
        body[: piece.fade_in] *= np.linspace(0.0, 1.0, piece.fade_in, endpoint=False, dtype=np.float32)
    elif piece.start > 0 and not (k > 0 and pieces[k - 1].end == piece.start):
        e = min(edge, length)
        body[:e] *= np.linspace(0.0, 1.0, e, endpoint=False, dtype=np.float32)
    if piece.fade_out:
        # 1 - i/X: sums to exactly 1 with the next piece's fade-in i/X over the same samples
        body[-piece.fade_out :] *= np.linspace(1.0, 0.0, piece.fade_out, endpoint=False, dtype=np.float32)
    elif piece.end < out.size and not (k + 1 < len(pieces) and pieces[k + 1].start == piece.end):
        e = min(edge, length)
        body[-e:] *= np.linspace(1.0, 0.0, e, dtype=np.float32)
    out[piece.start : piece.end] += body
