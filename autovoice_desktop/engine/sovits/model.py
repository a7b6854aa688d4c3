"""SovitsModel: the stable scripting API around one loaded So-VITS-SVC 4.0/4.1 voice (see docs/api.md).

    m = SovitsModel.load("G_1000.pth")               # config.json next to the checkpoint
    wav = m.synthesize(content, f0, uv, speaker="alice")

`content` is (ssl_dim, T) on the model's frame grid (data.hop_length samples at data.sampling_rate), `f0` and
`uv` are (T,), and the result is float32 (T * hop_length,) at `sample_rate`.
"""

from __future__ import annotations

import logging
import threading
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autovoice_desktop.core.errors import (
    AudioContentError,
    EncoderMismatchError,
    ModelFormatError,
    UnknownSpeakerError,
)
from autovoice_desktop.engine.device import compute_dtype, configure_cpu, release_memory, resolve_device
from autovoice_desktop.engine.sovits.checkpoint import load_into, read_checkpoint
from autovoice_desktop.engine.sovits.config import SovitsConfig, load_config
from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn

log = logging.getLogger(__name__)


def _read_only(attribute: str, doc: str) -> property:
    """A read-only property that returns `attribute` (a dotted path) of the object."""
    return property(attrgetter(attribute), doc=doc)


class SovitsModel:
    """A loaded So-VITS-SVC generator on one device. Thread-safe: calls are serialised by a lock."""

    def __init__(
        self, net: SynthesizerTrn, config: SovitsConfig, device: str, notice: str | None = None
    ) -> None:
        self._net: SynthesizerTrn | None = net
        self.config = config
        self._device = device
        self._dtype = torch.float32
        self._lock = threading.Lock()
        self.notice = notice  # why the requested device was not used, if it was not

    # ---- construction ------------------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        checkpoint_path: str | Path,
        config_path: str | Path | None = None,
        device: str = "cpu",
        *,
        half: bool | str = False,
    ) -> SovitsModel:
        """Read config.json (next to the checkpoint if config_path is None) and the G_*.pth, strictly.

        device: "cpu", "cuda", "cuda:N" or "auto" (an unusable CUDA choice falls back to CPU; see `notice`).
        half: False (float32), True/"fp16" or "bf16" on CUDA; on the CPU any half means bf16 where native.
        Raises ModelFormatError, UnsafeCheckpointError or EncoderMismatchError with a user-facing message.
        """
        checkpoint_path = Path(checkpoint_path)
        if config_path is None:
            config_path = checkpoint_path.parent / "config.json"
            if not config_path.is_file():
                raise ModelFormatError(
                    f"no config.json next to {checkpoint_path.name}",
                    "put the model's config.json in the same folder or pass config_path",
                )
        config = load_config(config_path)
        state = read_checkpoint(checkpoint_path)
        try:
            net = SynthesizerTrn(config)
        except (RuntimeError, MemoryError) as exc:  # sizes this machine cannot allocate
            detail = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise ModelFormatError(
                f"{Path(config_path).name} describes a model that cannot be built here: {detail}",
                "use the config.json that was trained with this model",
            ) from exc
        load_into(net, state, checkpoint_path.name)
        net.eval().requires_grad_(False)
        return cls(net, config, "cpu").to(device, half=half)

    # ---- properties ---------------------------------------------------------------------------------------
    sample_rate = _read_only("config.sampling_rate", "Output sample rate in Hz (data.sampling_rate).")
    hop_length = _read_only("config.hop_length", "Samples per frame at sample_rate (data.hop_length).")
    ssl_dim = _read_only("config.ssl_dim", "Width of the content features the model expects.")
    speech_encoder = _read_only(
        "config.speech_encoder", 'Content encoder the model was trained with: "vec256l9" or "vec768l12".'
    )
    vol_embedding = _read_only(
        "config.vol_embedding", "True if the model is conditioned on loudness (pass `volume` to synthesize)."
    )
    has_f0_predictor = _read_only(
        "config.use_automatic_f0_prediction", "True if auto_predict_f0 can be used."
    )
    device = _read_only("_device", "Torch device string the weights live on.")
    dtype = _read_only("_dtype", "Weight dtype: float32, float16 or bfloat16.")

    @property
    def speakers(self) -> dict[str, int]:
        """Speaker names and ids from config.json `spk` (a copy)."""
        return dict(self.config.speakers)

    @property
    def half(self) -> bool:
        """True when the weights run in fp16 or bf16."""
        return self._dtype != torch.float32

    @property
    def net(self) -> SynthesizerTrn:
        """The underlying SynthesizerTrn (raises if released)."""
        if self._net is None:
            raise RuntimeError("this SovitsModel was released")
        return self._net

    # ---- device management ---------------------------------------------------------------------------------
    def to(self, device: str, *, half: bool | str = False) -> SovitsModel:
        """Move the weights to `device` (resolved like load), in `device.compute_dtype(device, half)`."""
        resolved, notice = resolve_device(device)
        if notice:
            log.warning(notice)
            self.notice = notice
        dtype = compute_dtype(resolved, half)
        if half and dtype == torch.float32:
            log.info("no fast half precision on %s (bf16 not faster here): running float32", resolved)
        with self._lock:
            self.net.to(device=resolved, dtype=dtype)
            self._device, self._dtype = resolved, dtype
        if resolved == "cpu":
            configure_cpu()
        return self

    def release(self) -> None:
        """Drop the weights and return GPU memory; the object cannot synthesize afterwards."""
        with self._lock:
            self._net = None
        release_memory()

    # ---- inference ---------------------------------------------------------------------------------------
    def speaker_id(self, speaker: int | str) -> int:
        """Resolve a speaker name or id from `spk`; UnknownSpeakerError lists the names otherwise."""
        speakers = self.config.speakers
        if isinstance(speaker, torch.Tensor) and speaker.numel() == 1 and not speaker.is_floating_point():
            speaker = int(speaker.item())
        if isinstance(speaker, str) and speaker in speakers:
            return speakers[speaker]
        is_int = isinstance(speaker, (int, np.integer)) and not isinstance(speaker, bool)
        if is_int and int(speaker) in speakers.values():
            return int(speaker)
        listing = ", ".join(f"{name!r} (id {sid})" for name, sid in speakers.items())
        raise UnknownSpeakerError(f"this voice has no speaker {speaker!r}", f"its speakers are: {listing}")

    def synthesize(
        self,
        content: Any,
        f0: Any,
        uv: Any,
        speaker: int | str = 0,
        noise_scale: float = 0.4,
        auto_predict_f0: bool = False,
        volume: Any = None,
        *,
        seed: int | None = None,
    ) -> np.ndarray:
        """Content + F0 + voicing on the model's frame grid -> waveform float32 (T * hop_length,).

        content: (ssl_dim, T) float; f0: (T,) Hz, unvoiced gaps already interpolated; uv: (T,) 1 voiced / 0
        unvoiced; volume: (T,) frame RMS for vol_embedding models (None: no loudness conditioning, as the
        reference does); seed: makes the noise reproducible (None: torch's global RNG, as the reference).
        numpy arrays or torch tensors are accepted.
        """
        sid = self.speaker_id(speaker)
        c = _as_tensor(content, "content")
        if c.dim() == 3 and c.shape[0] == 1:
            c = c[0]
        if c.dim() != 2:
            raise ValueError(f"content must be (ssl_dim, T), got shape {tuple(c.shape)}")
        if c.shape[0] != self.ssl_dim:
            raise EncoderMismatchError(
                f"content has {c.shape[0]}-dim features but this model expects ssl_dim {self.ssl_dim}",
                f"encode the audio with {self.speech_encoder}",
            )
        frames = c.shape[1]
        f0_t = _frame_vector(f0, "f0", frames)
        uv_t = _frame_vector(uv, "uv", frames)
        vol_t = _frame_vector(volume, "volume", frames) if volume is not None else None
        if frames == 0:
            return np.zeros(0, dtype=np.float32)
        if self.vol_embedding and vol_t is None:
            log.warning("this model uses vol_embedding but no volume was given; loudness is not conditioned")
        with self._lock, torch.inference_mode():
            net = self.net
            dev = torch.device(self._device)
            generator = torch.Generator(device=dev).manual_seed(seed) if seed is not None else None
            audio, _ = net.infer(
                c[None].to(dev, self._dtype),
                f0_t[None].to(dev),
                uv_t[None].to(dev),
                torch.tensor([sid], dtype=torch.long, device=dev),
                noise_scale=float(noise_scale),
                predict_f0=bool(auto_predict_f0),
                vol=vol_t[None].to(dev) if vol_t is not None else None,
                generator=generator,
            )
            return audio[0, 0].float().cpu().numpy()


def _as_tensor(value: Any, name: str) -> torch.Tensor:
    tensor = value.detach() if isinstance(value, torch.Tensor) else torch.from_numpy(np.asarray(value))
    if not tensor.is_floating_point():
        tensor = tensor.float()
    tensor = tensor.float().cpu()
    if not torch.isfinite(tensor).all():
        raise AudioContentError(f"{name} contains NaN or infinite values")
    return tensor


def _frame_vector(value: Any, name: str, frames: int) -> torch.Tensor:
    tensor = _as_tensor(value, name).reshape(-1)
    if tensor.shape[0] != frames:
        raise ValueError(f"{name} has {tensor.shape[0]} frames but content has {frames}")
    return tensor
