"""SovitsVoice: a So-VITS-SVC model plus its content encoder behind the common Voice interface.

The SovitsModel is loaded once and reused; it moves when a conversion asks for another device or precision.
Content encoders are cached per (weights, kind, device, precision) and shared by all voices, because several
voices usually use the same ContentVec weights. `release()` frees GPU memory; the next conversion reloads.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autovoice_desktop.core.errors import VoiceError
from autovoice_desktop.core.types import ConversionParams, VoiceInfo, check_cancel
from autovoice_desktop.engine.content import ContentEncoder, load_content_encoder
from autovoice_desktop.engine.device import compute_dtype, is_cuda_oom, run_with_oom_fallback
from autovoice_desktop.engine.pitch import F0_METHODS
from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, analyse, convert, to_model_rate
from autovoice_desktop.engine.sovits.span_pass import SpanPasses
from autovoice_desktop.engine.sovits.stream import SovitsStream
from autovoice_desktop.engine.sovits.windowed import WindowSettings
from autovoice_desktop.engine.voice import ConversionResult, PitchTrack, Voice, VoiceRequest, checked_result

log = logging.getLogger(__name__)

DEFAULT_F0_METHOD = "dio"  # the fork's default; the CPU default here too


def default_f0_method(device: str) -> str:
    """The F0 method used when none is asked for: "fcpe" on CUDA (if torchfcpe is installed), else "dio".

    On a GPU machine dio is the slowest step by far (about 0.3 s per 10 s against 4 ms for FCPE on an H200).
    """
    import importlib.util

    if device.startswith("cuda") and importlib.util.find_spec("torchfcpe") is not None:
        return "fcpe"
    return DEFAULT_F0_METHOD


_MAX_ENCODERS = 2
#: the least left context a live stream converts with each block (seconds)
STREAM_MIN_CONTEXT_S = 0.4
_encoders: OrderedDict[tuple[str, str, str, bool], ContentEncoder] = OrderedDict()
_encoders_lock = threading.Lock()


def get_content_encoder(path: Path, kind: str, device: str, half: bool = False) -> ContentEncoder:
    """A cached content encoder (at most two kept; the least recently used is dropped)."""
    key = (str(Path(path).resolve()), kind, device, compute_dtype(device, half) != torch.float32)
    with _encoders_lock:
        if key in _encoders:
            _encoders.move_to_end(key)
            return _encoders[key]
        encoder = load_content_encoder(path, kind=kind, device="cpu").to(device, half=key[3])
        _encoders[key] = encoder
        while len(_encoders) > _MAX_ENCODERS:
            _, old = _encoders.popitem(last=False)
            old.release()
        return encoder


def release_content_encoders() -> None:
    """Drop every cached content encoder (frees their GPU memory)."""
    with _encoders_lock:
        for encoder in _encoders.values():
            encoder.release()
        _encoders.clear()


def _resolve(choice: str) -> str:
    from autovoice_desktop.engine.device import resolve_device

    device, notice = resolve_device(choice)
    if notice:
        log.warning(notice)
    return device


class SovitsVoice(Voice):
    """An installed So-VITS-SVC voice. `model` may be passed pre-loaded (tests, scripting)."""

    def __init__(
        self,
        info: VoiceInfo,
        checkpoint: Path,
        config: Path,
        *,
        device: str = "auto",
        model: Any = None,
        encoder_path: Path | None = None,
    ) -> None:
        self.info = info
        self.checkpoint, self.config = Path(checkpoint), Path(config)
        self.device_choice = device
        self.encoder_path = encoder_path
        self._model = model
        self._passes = SpanPasses()  # file spans replayed as CUDA graphs (span_pass.py)
        self._lock = threading.Lock()

    # ---- model / encoder ----------------------------------------------------------------------
    def model(self, device: str | None = None, half: bool = False) -> Any:
        """The SovitsModel on `device` (a resolved torch device string), loading or moving it if needed."""
        from autovoice_desktop.engine.sovits import SovitsModel

        device = device or _resolve(self.device_choice)
        if self._model is None:
            self._model = SovitsModel.load(self.checkpoint, self.config, device=device, half=half)
        elif (self._model.device, self._model.dtype) != (device, compute_dtype(device, half)):
            self._passes.clear()  # the graphs replay the weights' old addresses
            self._model.to(device, half=half)
        return self._model

    def _encoder_file(self) -> Path:
        if self.encoder_path is not None:
            return self.encoder_path
        from autovoice_desktop.engine.download import content_encoder_path

        return content_encoder_path()

    def speaker_names(self) -> tuple[str, ...]:
        """Speaker names ordered by id."""
        return self.info.speakers

    # ---- Voice ---------------------------------------------------------------------------------
    def _options(self, params: ConversionParams, model: Any, device: str) -> PipelineOptions:
        """The pipeline options for `params` with `model` on `device` (the speaker is checked here)."""
        f0_method = params.f0_method or default_f0_method(device)
        speaker: str | int = params.speaker if params.speaker is not None else self._first_speaker(model)
        if hasattr(model, "speaker_id"):
            model.speaker_id(speaker)  # an unknown speaker is an error now, before any audio work
        return PipelineOptions(
            speaker=speaker,
            transpose=params.transpose,
            f0_method=f0_method,
            noise_scale=params.noise_scale,
            auto_predict_f0=params.auto_predict_f0,
            seed=params.seed,
            f0_device=device if f0_method == "fcpe" else "cpu",
            f0_curve=params.f0_curve,
        )

    def _check_method(self, params: ConversionParams) -> None:
        if params.f0_method is not None and params.f0_method not in F0_METHODS:
            raise VoiceError(f"unknown F0 method {params.f0_method!r}", f"use one of {', '.join(F0_METHODS)}")

    def _convert(self, request: VoiceRequest) -> ConversionResult:
        """Convert mono audio (N,) at sample_rate; result at the model's rate, same duration.

        Uses params.speaker (None = first speaker), transpose, f0_method (None = default_f0_method),
        f0_curve (replaces the estimated F0 moved by transpose), noise_scale, auto_predict_f0, device, half
        (fp16 on CUDA, bf16 on a CPU where it is faster) and seed. Other fields do not apply here.
        """
        from autovoice_desktop.engine.sovits.config import check_encoder_dim

        params = request.params
        self._check_method(params)

        def notice(message: str) -> None:
            request.report(0.0, message[:1].upper() + message[1:])

        with self._lock:
            device = _resolve(params.device or self.device_choice)
            model, encoder, device = self._load_on(device, params.half, notice)
            opts = self._options(params, model, device)
            check_encoder_dim(model.speech_encoder, encoder.dim, model.ssl_dim)  # before any audio work

            def attempt(on: str, settings: WindowSettings) -> ConversionResult:
                """One try on device `on` (on CUDA out of memory: retried smaller, then on the CPU)."""
                here = self.model(on, params.half)
                enc = get_content_encoder(self._encoder_file(), here.speech_encoder, on, params.half)
                on_opts = replace(opts, f0_device=on if opts.f0_method == "fcpe" else "cpu")
                try:
                    return convert(
                        here, enc, request.audio, request.sample_rate, on_opts, progress=request.progress,
                        cancel=request.cancel, device=on, settings=settings,
                        passes=self._passes if on.startswith("cuda") else None,
                    )  # fmt: skip
                except Exception as exc:
                    if is_cuda_oom(exc):
                        self._passes.clear()  # their memory pools go before the retry
                    raise

            del encoder
            result, _used, _settings = run_with_oom_fallback(
                attempt, device, WindowSettings.for_device(device), WindowSettings.for_device("cpu"),
                notice=notice,
            )  # fmt: skip
            return checked_result(result, self.info.name)  # never NaN/Inf audio out of a voice

    def _analyse_pitch(self, request: VoiceRequest) -> PitchTrack:
        """The F0 a conversion with `params` would use, on the model's frame grid (no synthesis).

        times (T,) seconds (i * hop / sr, float64); source_f0: the estimated F0, 0 where unvoiced; target_f0:
        exactly the F0 `convert` gives the synthesizer (gaps filled, transpose or params.f0_curve applied),
        so converting with f0_curve = (times, target_f0) gives the same audio as converting without it.
        """
        params = request.params
        self._check_method(params)
        with self._lock:
            check_cancel(request.cancel)
            request.report(0.0, "Pitch")
            device = _resolve(params.device or self.device_choice)
            model = self.model(device, params.half)
            opts = self._options(params, model, device)
            found = analyse(
                model,
                to_model_rate(request.audio, request.sample_rate, model.sample_rate, model.config.style),
                opts,
            )
            check_cancel(request.cancel)
            request.report(1.0, "Pitch")
            source = (found.f0 * found.uv).astype(np.float32)
            return PitchTrack(found.times, source, found.target.astype(np.float32))

    def open_stream(self, params: ConversionParams, *, context_samples: int) -> SovitsStream:
        """A block-by-block converter for the live voice changer (engine/stream.py's VoiceStream).

        The model and content encoder are loaded now, on params.device; context_samples is at the model's
        rate (the stream's sample_rate), at least STREAM_MIN_CONTEXT_S.
        """
        from autovoice_desktop.engine.sovits.config import check_encoder_dim

        self._check_method(params)
        with self._lock:
            device = _resolve(params.device or self.device_choice)
            # bf16 on a CPU costs a fixed oneDNN weight reorder per call: a 0.5 s window took 1.65 s in bf16
            # against 0.19 s in float32 (2-core EPYC, benchmarks/stream_speed.py): streams stay float32 there
            half = params.half and device.startswith("cuda")
            model, encoder, device = self._load_on(device, half, lambda message: None)
            check_encoder_dim(model.speech_encoder, encoder.dim, model.ssl_dim)

            def to_options(new: ConversionParams) -> PipelineOptions:
                return self._options(new, model, device)

            # ContentVec and the prior encoder need a few hundred ms around a block to give the units and
            # pitch a whole conversion gives; past audio adds compute, not latency
            context = max(int(context_samples), round(STREAM_MIN_CONTEXT_S * model.sample_rate))
            return SovitsStream(model, encoder, params, context, to_options)

    def _load_on(self, device: str, half: bool, notice: Any) -> tuple[Any, ContentEncoder, str]:
        """(model, encoder, device) ready on `device`, or on the CPU if the voice does not fit the GPU."""
        from autovoice_desktop.engine.device import release_memory

        try:
            model = self.model(device, half)
            encoder = get_content_encoder(self._encoder_file(), model.speech_encoder, device, half)
            return model, encoder, device
        except Exception as exc:
            if not device.startswith("cuda") or not is_cuda_oom(exc):
                raise
            message = "the GPU has too little free memory to load this voice; converting on the CPU instead"
            log.warning("%s (%s)", message, (str(exc).splitlines() or [type(exc).__name__])[0])
            notice(message)
        model = self.model("cpu", half)  # moves back whatever had reached the GPU
        release_content_encoders()
        release_memory()
        return model, get_content_encoder(self._encoder_file(), model.speech_encoder, "cpu", half), "cpu"

    @staticmethod
    def _first_speaker(model: Any) -> str | int:
        speakers = dict(model.speakers)
        return min(speakers, key=lambda name: speakers[name]) if speakers else 0

    def release(self) -> None:
        """Free the model and the cached encoders (GPU memory); the next conversion loads them again."""
        from autovoice_desktop.engine.device import release_memory
        from autovoice_desktop.engine.fcpe_support import release_fcpe

        with self._lock:
            self._passes.clear()
            if self._model is not None:
                self._model.release()
                self._model = None
        release_content_encoders()
        release_fcpe()
        release_memory()  # collect the dropped modules, then hand cached CUDA blocks back to the driver
