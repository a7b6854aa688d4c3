"""Tiny So-VITS-SVC voices (config.json + G_*.pth with random weights) and a fake model for pipeline tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch


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


class FakeModel:
    """Same attributes as SovitsModel; synthesize() is a sine oscillator following f0, plus seeded noise."""

    def __init__(self, sample_rate: int = 16000, hop_length: int = 320, ssl_dim: int = 8) -> None:
        self.sample_rate, self.hop_length, self.ssl_dim = sample_rate, hop_length, ssl_dim
        self.speech_encoder = "vec256l9"
        self.speakers = {"alice": 0, "bob": 1}
        self.vol_embedding = False
        self.device, self.half = "cpu", False
        self.calls: list[dict[str, Any]] = []

    def synthesize(
        self,
        content: Any,
        f0: Any,
        uv: Any,
        speaker: Any = 0,
        noise_scale: float = 0.4,
        auto_predict_f0: bool = False,
        volume: Any = None,
    ) -> np.ndarray:
        content, f0, uv = np.asarray(content), np.asarray(f0), np.asarray(uv)
        t = content.shape[1]
        assert content.shape == (self.ssl_dim, t) and f0.shape == (t,) and uv.shape == (t,)
        assert content.dtype == np.float32 and np.all(np.isfinite(content))
        self.calls.append({"frames": t, "speaker": speaker, "volume": volume, "f0": f0.copy()})
        freq = np.repeat(f0.astype(np.float64), self.hop_length)
        phase = 2 * np.pi * np.cumsum(freq) / self.sample_rate
        noise = torch.randn(t * self.hop_length).numpy() * noise_scale * 0.01
        return (0.3 * np.sin(phase) * (freq > 0) + noise).astype(np.float32)

    def release(self) -> None:
        return None
