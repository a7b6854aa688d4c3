"""Build small random-weight So-VITS-SVC configs and checkpoints in the reference's on-disk layouts.

`reference_state` turns our SynthesizerTrn's weights into the names the reference saves: weight-normed layers
as `*.weight_g` / `*.weight_v` (legacy torch.nn.utils.weight_norm), plus training-only `enc_q.*` keys.
`save_g` writes {"model", "iteration", "optimizer", "learning_rate"} with torch.save, as the reference does.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import torch

from autovoice_desktop.engine.sovits.config import parse_config
from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn

# Layers the reference wraps in weight_norm (inference part of the generator).
WEIGHT_NORMED = re.compile(
    r"^(dec\.(conv_pre|conv_post|ups\.\d+|resblocks\.\d+\.convs[12]?\.\d+)"
    r"|flow\.flows\.\d+\.enc\.(in_layers\.\d+|res_skip_layers\.\d+|cond_layer))\.weight$"
)

SMALL_MODEL: dict[str, Any] = {
    "inter_channels": 16,
    "hidden_channels": 16,
    "filter_channels": 32,
    "n_heads": 2,
    "n_layers": 2,
    "kernel_size": 3,
    "p_dropout": 0.1,
    "resblock": "1",
    "resblock_kernel_sizes": [3, 7],
    "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5]],
    "upsample_rates": [8, 8, 2, 2, 2],
    "upsample_initial_channel": 32,
    "upsample_kernel_sizes": [16, 16, 4, 4, 4],
    "n_layers_q": 3,
    "use_spectral_norm": False,
    "gin_channels": 8,
    "ssl_dim": 256,
    "n_speakers": 4,
}
KEYS_41: dict[str, Any] = {
    "n_layers_trans_flow": 3,
    "n_flow_layer": 4,
    "vocoder_name": "nsf-hifigan",
    "speech_encoder": "vec768l12",
    "speaker_embedding": False,
    "vol_embedding": False,
    "use_depthwise_conv": False,
    "flow_share_parameter": False,
    "use_automatic_f0_prediction": True,
    "use_transformer_flow": False,
}


def make_config(kind: str = "4.0", **model_overrides: Any) -> dict[str, Any]:
    """A config.json dict. kind: "4.0" (vec256l9), "4.1" (vec768l12 + 4.1 keys), "fork" (4.0v1: ssl 768,
    contentvec_final_proj false, 200 speakers, type_ hifi-gan)."""
    model = copy.deepcopy(SMALL_MODEL)
    data: dict[str, Any] = {
        "sampling_rate": 44100,
        "hop_length": 512,
        "filter_length": 2048,
        "win_length": 2048,
    }
    if kind == "4.1":
        model.update(KEYS_41, ssl_dim=768)
        data["unit_interpolate_mode"] = "nearest"
    elif kind == "fork":
        model.update(ssl_dim=768, n_speakers=200, type_="hifi-gan")
        data["contentvec_final_proj"] = False
    model.update(model_overrides)
    return {
        "train": {"segment_size": 10240, "batch_size": 6},
        "data": data,
        "model": model,
        "spk": {"alice": 0, "bob": 1, "carol": 2},
    }


def reference_state(raw_config: dict[str, Any], seed: int = 0, enc_q: bool = True) -> dict[str, torch.Tensor]:
    """Random generator weights in the reference's state-dict layout."""
    cfg = parse_config(raw_config)
    torch.manual_seed(seed)
    net = SynthesizerTrn(cfg)
    state: dict[str, torch.Tensor] = {}
    for key, value in net.state_dict().items():
        value = value + torch.randn_like(value) * 0.05  # also makes zero-initialised layers non-trivial
        if WEIGHT_NORMED.match(key):
            prefix = key[: -len(".weight")]
            norm = value.flatten(1).norm(dim=1).reshape([-1] + [1] * (value.dim() - 1))
            state[prefix + ".weight_g"] = norm * (1 + 0.5 * torch.rand_like(norm))
            state[prefix + ".weight_v"] = value
        else:
            state[key] = value
    if enc_q:
        hidden, inter = cfg.hidden_channels, cfg.inter_channels
        state["enc_q.pre.weight"] = torch.randn(hidden, cfg.spec_channels, 1)
        state["enc_q.pre.bias"] = torch.randn(hidden)
        state["enc_q.enc.cond_layer.weight_g"] = torch.rand(2 * hidden * 16, 1, 1)
        state["enc_q.enc.cond_layer.weight_v"] = torch.randn(2 * hidden * 16, cfg.gin_channels, 1)
        state["enc_q.proj.weight"] = torch.randn(2 * inter, hidden, 1)
    return state


def save_g(path: Path, state: dict[str, torch.Tensor], iteration: int = 1000) -> Path:
    """torch.save in the reference's G_*.pth layout (AdamW state as saved after training)."""
    params = [torch.nn.Parameter(torch.zeros(2))]
    optimizer = torch.optim.AdamW(params, 1e-4, betas=(0.8, 0.99), eps=1e-9)
    params[0].grad = torch.ones(2)
    optimizer.step()
    torch.save(
        {"model": state, "iteration": iteration, "optimizer": optimizer.state_dict(), "learning_rate": 1e-4},
        path,
    )
    return path


def write_model(
    folder: Path, raw_config: dict[str, Any], seed: int = 0, state: dict[str, torch.Tensor] | None = None
) -> Path:
    """config.json + G_1000.pth in `folder`; returns the checkpoint path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(raw_config), encoding="utf-8")
    return save_g(folder / "G_1000.pth", state if state is not None else reference_state(raw_config, seed))


def frames_input(ssl_dim: int, frames: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """content (ssl_dim, T), f0 (T,) Hz around 220 with vibrato, uv (T,), volume (T,)."""
    gen = torch.Generator().manual_seed(seed)
    t = torch.arange(frames, dtype=torch.float32)
    return {
        "content": torch.randn(ssl_dim, frames, generator=gen),
        "f0": 220 * 2 ** (torch.sin(t / 5) / 2),
        "uv": (torch.rand(frames, generator=gen) > 0.2).float(),
        "volume": torch.rand(frames, generator=gen) * 0.2,
    }
