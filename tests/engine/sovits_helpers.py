"""Tiny So-VITS-SVC voices (config.json + G_*.pth with random weights), test signals and RNG patches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autovoice_desktop.engine.sovits.windowed import SynthNoise


def tiny_config(
    sr: int = 16000, vol_embedding: bool = False, speakers: dict[str, int] | None = None
) -> dict[str, Any]:
    """A small but complete 4.x config: hop 320 = 10*8*2*2 (the 32 kHz layout), vec256l9 (ssl_dim 256)."""
    model: dict[str, Any] = {
        "inter_channels": 8,
        "hidden_channels": 8,
        "filter_channels": 16,
        "n_heads": 2,
        "n_layers": 2,
        "kernel_size": 3,
        "p_dropout": 0.1,
        "resblock": "1",
        "resblock_kernel_sizes": [3],
        "resblock_dilation_sizes": [[1, 3, 5]],
        "upsample_rates": [10, 8, 2, 2],
        "upsample_initial_channel": 16,
        "upsample_kernel_sizes": [20, 16, 4, 4],
        "n_layers_q": 3,
        "use_spectral_norm": False,
        "gin_channels": 8,
        "ssl_dim": 256,
        "n_speakers": 4,
    }
    if vol_embedding:
        model.update(speech_encoder="vec256l9", vol_embedding=True)
    return {
        "train": {"segment_size": 6400},
        "data": {"sampling_rate": sr, "hop_length": 320, "filter_length": 640, "win_length": 640},
        "model": model,
        "spk": speakers or {"alice": 0, "bob": 1},
    }


def write_voice(folder: Path, step: int = 100, vol_embedding: bool = False, seed: int = 0, **kw: Any) -> Path:
    """Save config.json + G_<step>.pth (reference layout: {"model": state_dict, "iteration": ...})."""
    from autovoice_desktop.engine.sovits import parse_config
    from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn

    folder.mkdir(parents=True, exist_ok=True)
    raw = tiny_config(vol_embedding=vol_embedding, **kw)
    (folder / "config.json").write_text(json.dumps(raw), encoding="utf-8")
    torch.manual_seed(seed)
    net = SynthesizerTrn(parse_config(raw))
    torch.save(
        {"model": net.state_dict(), "iteration": step, "learning_rate": 1e-4}, folder / f"G_{step}.pth"
    )
    return folder


def tiny_model_and_encoder(root: Path, vol_embedding: bool = False, seed: int = 3) -> tuple[Any, Any]:
    """A loaded tiny SovitsModel (16 kHz, hop 320, vec256l9) and a tiny real ContentEncoder for it."""
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel
    from tests.engine.content_helpers import save_content_vec_best, tiny_reference

    folder = write_voice(root / "voice", vol_embedding=vol_embedding, seed=seed)
    model = SovitsModel.load(folder / "G_100.pth")
    encoder_folder = save_content_vec_best(root / "cv", *tiny_reference(seed=1, proj_dim=256))
    return model, load_content_encoder(encoder_folder, kind="vec256l9")


def zero_random_draws(monkeypatch: Any) -> None:
    """Every torch random draw returns zeros (the reference-parity setting)."""

    def zeros(*size: Any, generator: Any = None, **kw: Any) -> torch.Tensor:
        if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
            size = tuple(size[0])
        return torch.zeros(tuple(size), device=kw.get("device"), dtype=kw.get("dtype") or torch.float32)

    monkeypatch.setattr(torch, "rand", zeros)
    monkeypatch.setattr(torch, "randn", zeros)
    monkeypatch.setattr(torch, "randn_like", lambda t, **kw: torch.zeros_like(t, **kw))
    monkeypatch.setattr(torch, "rand_like", lambda t, **kw: torch.zeros_like(t, **kw))
    # the conversion path draws into its buffers in place
    monkeypatch.setattr(SynthNoise, "draw", _zero_noise)


def _zero_noise(noise: SynthNoise, generator: Any = None) -> SynthNoise:
    for buffer in (noise.eps, noise.start, noise.source):
        buffer.zero_()
    return noise


def voiced_signal(sr: int, seconds: float, pause: tuple[float, float] | None = (1.3, 1.8)) -> np.ndarray:
    """A gliding harmonic tone (150 +- 40 Hz) with light noise and an optional pause, float32 (N,)."""
    t = np.arange(int(sr * seconds)) / sr
    f0 = 150 + 40 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 6)) * 0.3
    if pause is not None:
        x[(t > pause[0]) & (t < pause[1])] = 0.0
    rng = np.random.default_rng(0)
    return (x + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


def snr_db(ref: np.ndarray, got: np.ndarray) -> float:
    """10 log10(|ref|^2 / |ref - got|^2) in float64."""
    ref64, got64 = ref.astype(np.float64), got.astype(np.float64)
    return float(10 * np.log10(np.sum(ref64**2) / max(np.sum((ref64 - got64) ** 2), 1e-30)))
