"""So-VITS-SVC reference parity: our SovitsModel against the reference SynthesizerTrn on the same checkpoint.

For each case a reference SynthesizerTrn is built from a config, its weights are randomised (seeded), it is
saved with torch.save exactly as the reference saves G_*.pth ({"model", "iteration", "optimizer",
"learning_rate"}), and loaded with `SovitsModel.load`. Both run the same content/F0/uv/volume with every torch
random draw (torch.randn, randn_like, rand, rand_like, normal) returning zeros; the max |difference| of
the waveforms must be <= 1e-4 (float32).

Not part of the test suite: it needs the reference code, which is never committed. Usage:

    # so-vits-svc-fork 4.2.30: a venv with the package, or its unpacked wheel on --reference-path
    python benchmarks/sovits_parity.py --reference fork [--reference-path /tmp/forkwheel/src]
    # original 4.1-Stable (or 4.0) source tree, e.g. `git archive 4.1-Stable | tar -x -C /tmp/sovits41`
    python benchmarks/sovits_parity.py --reference orig --reference-path /tmp/sovits41

Optional modules the reference imports only for training/plots (torchcrepe, torchaudio, faiss, matplotlib,
cm_time) are replaced by empty stand-ins when they are not installed; the synthesizer does not use them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.machinery
import inspect
import json
import sys
import tempfile
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autovoice_desktop.engine.sovits import SovitsModel  # noqa: E402

TOLERANCE = 1e-4
OPTIONAL_MODULES = ("torchcrepe", "torchaudio", "faiss", "matplotlib", "matplotlib.pylab", "cm_time")
OPTIONAL_MODULES += ("librosa", "librosa.util", "soxr")


class _Placeholder(contextlib.nullcontext):
    """A name imported from a stand-in module: callable and a context manager; never used for maths."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()


def small_model(
    ssl_dim: int, n_speakers: int = 4, upsample: tuple[list[int], list[int]] | None = None
) -> dict:
    """A small random-weight architecture with the reference's structure (fast on a CPU)."""
    rates, kernels = upsample or ([8, 8, 2, 2, 2], [16, 16, 4, 4, 4])
    return {
        "inter_channels": 32,
        "hidden_channels": 32,
        "filter_channels": 64,
        "n_heads": 2,
        "n_layers": 2,
        "kernel_size": 3,
        "p_dropout": 0.1,
        "resblock": "1",
        "resblock_kernel_sizes": [3, 7, 11],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "upsample_rates": rates,
        "upsample_initial_channel": 64,
        "upsample_kernel_sizes": kernels,
        "n_layers_q": 3,
        "use_spectral_norm": False,
        "gin_channels": 16,
        "ssl_dim": ssl_dim,
        "n_speakers": n_speakers,
    }


def default_41_model() -> dict:
    """The 4.1-Stable template architecture (full size)."""
    model = small_model(768, 200)
    model.update(inter_channels=192, hidden_channels=192, filter_channels=768, n_layers=6)
    model.update(upsample_initial_channel=512, gin_channels=768)
    return model


KEYS_41 = {
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


def config(model: dict, rate: int = 44100, hop: int = 512, data_extra: dict | None = None) -> dict:
    data = {"sampling_rate": rate, "hop_length": hop, "filter_length": 2048, "win_length": 2048}
    data.update(data_extra or {})
    return {"train": {"segment_size": 10240}, "data": data, "model": model, "spk": {"alice": 0, "bob": 1}}


def cases(reference: str) -> list[tuple[str, dict, int]]:
    """(name, config, frames). Cases a reference cannot express (fork: 4.1-only weights) are left out."""
    out = [
        ("4.0 vec256l9", config(small_model(256)), 120),
        ("4.0 vec256l9, 11.6 s", config(small_model(256)), 1000),
        (
            "fork 4.0v1 vec768l12, 200 speakers",
            config(small_model(768, 200), data_extra={"contentvec_final_proj": False}),
            120,
        ),
        (
            "4.1 vec768l12 (4.1 keys)",
            config({**small_model(768), **KEYS_41}, data_extra={"unit_interpolate_mode": "nearest"}),
            120,
        ),
        (
            "4.0 32 kHz hop 320 (SineGen 44.1k quirk)",
            config(small_model(256, upsample=([10, 8, 2, 2], [20, 16, 4, 4])), 32000, 320),
            120,
        ),
    ]
    if reference == "orig":
        out += [
            ("4.1 vol_embedding", config({**small_model(768), **KEYS_41, "vol_embedding": True}), 120),
            (
                "4.1 no F0 predictor",
                config(
                    {
                        **small_model(256),
                        **KEYS_41,
                        "speech_encoder": "vec256l9",
                        "use_automatic_f0_prediction": False,
                    }
                ),
                120,
            ),
            ("4.1 default size", config({**default_41_model(), **KEYS_41}), 40),
        ]
    else:
        out.append(
            (
                "fork default size",
                config(
                    default_41_model() | {"gin_channels": 256}, data_extra={"contentvec_final_proj": False}
                ),
                40,
            )
        )
    return out  # fmt: skip


def _placeholder_attr(attr: str) -> type:
    if attr.startswith("__"):
        raise AttributeError(attr)
    return _Placeholder


def import_reference(kind: str, path: str | None) -> type:
    if path:
        sys.path.insert(0, path)
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            module = types.ModuleType(name)
            module.__spec__ = importlib.machinery.ModuleSpec(name, None)
            if name != "torchaudio":  # transformers probes torchaudio's attributes
                module.__getattr__ = _placeholder_attr  # type: ignore[method-assign]
            sys.modules[name] = module
    if kind == "fork":
        return importlib.import_module("so_vits_svc_fork.modules.synthesizers").SynthesizerTrn
    return importlib.import_module("models").SynthesizerTrn


@contextlib.contextmanager
def zero_random_draws() -> Iterator[None]:
    """torch.randn/randn_like/rand/rand_like/normal return zeros of the requested shape/dtype/device, and the
    in-place Tensor.normal_/uniform_ fill zeros."""
    zeros, zeros_like = torch.zeros, torch.zeros_like

    def _kw(kw: dict) -> dict:
        return {k: v for k, v in kw.items() if k in ("dtype", "device")}

    def full(*size: Any, **kw: Any) -> torch.Tensor:
        return zeros(*size, **_kw(kw))

    def like(t: torch.Tensor, **kw: Any) -> torch.Tensor:
        return zeros_like(t, **_kw(kw))

    def normal(mean: Any, std: Any = 1.0, *args: Any, **kw: Any) -> torch.Tensor:
        if isinstance(mean, torch.Tensor):
            return zeros_like(mean)
        return zeros(*(kw.get("size") or args[0]), **_kw(kw))

    def in_place(t: torch.Tensor, *args: Any, **kw: Any) -> torch.Tensor:
        return t.zero_()

    with contextlib.ExitStack() as stack:
        for name, fn in (("randn", full), ("rand", full), ("randn_like", like), ("rand_like", like)):
            stack.enter_context(mock.patch.object(torch, name, fn))
        stack.enter_context(mock.patch.object(torch, "normal", normal))
        # AutoVoice draws into its buffers in place (windowed.SynthNoise.draw)
        for name in ("normal_", "uniform_"):
            stack.enter_context(mock.patch.object(torch.Tensor, name, in_place))
        yield


def inputs(frames: int, ssl_dim: int, seed: int) -> dict[str, torch.Tensor]:
    """Content (1, S, T), interpolated F0 (1, T) with a vibrato and high notes, uv (1, T), volume (1, T)."""
    gen = torch.Generator().manual_seed(seed)
    t = torch.arange(frames, dtype=torch.float32)
    f0 = 220 * 2 ** (torch.sin(t / 7) * 1.5) + 30 * torch.sin(t / 1.3)
    f0[frames // 3 : frames // 3 + 5] = 1050.0  # near the top bin
    f0[-4:] = 0.0  # fully unvoiced tail (no voiced frame to interpolate from)
    uv = (torch.rand(frames, generator=gen) > 0.2).float()
    uv[-4:] = 0
    return {
        "c": torch.randn(1, ssl_dim, frames, generator=gen),
        "f0": f0[None],
        "uv": uv[None],
        "vol": (torch.rand(1, frames, generator=gen) * 0.3),
    }


def save_trained(net: torch.nn.Module, path: Path, iteration: int = 0) -> None:
    """G_*.pth exactly as the references save a training checkpoint (model, iteration, optimizer, rate)."""
    optimizer = torch.optim.AdamW(net.parameters(), 1e-4)
    state = {
        "model": net.state_dict(),
        "iteration": iteration,
        "optimizer": optimizer.state_dict(),
        "learning_rate": 1e-4,
    }
    torch.save(state, path)


def run_case(ref_cls: type, name: str, cfg: dict, frames: int, tmp: Path, seed: int) -> list[dict]:
    data, model = cfg["data"], cfg["model"]
    torch.manual_seed(seed)
    ref = ref_cls(data["filter_length"] // 2 + 1, cfg["train"]["segment_size"] // data["hop_length"], **model)
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    ref.eval()
    folder = tmp / name.replace(" ", "_").replace(",", "")
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(cfg))
    save_trained(ref, folder / "G_1.pth", iteration=1)
    ours = SovitsModel.load(folder / "G_1.pth")
    x = inputs(frames, model["ssl_dim"], seed)
    has_f0_decoder = model.get("use_automatic_f0_prediction", True)
    infer_params = inspect.signature(ref.infer).parameters
    rows = []
    for predict_f0 in (False, True) if has_f0_decoder else (False,):
        kwargs: dict[str, Any] = {"noice_scale": 0.4, "predict_f0": predict_f0}
        if "vol" in infer_params:
            kwargs["vol"] = x["vol"]
        sid = torch.LongTensor([[1]]) if "seed" not in infer_params else torch.LongTensor([1])
        with zero_random_draws(), torch.no_grad():
            out = ref.infer(x["c"], x["f0"], x["uv"], g=sid, **kwargs)
            ref_wav = (out[0] if isinstance(out, tuple) else out)[0, 0].numpy()
            our_wav = ours.synthesize(
                x["c"][0], x["f0"][0], x["uv"][0], speaker="bob", noise_scale=0.4,
                auto_predict_f0=predict_f0, volume=x["vol"][0] if model.get("vol_embedding") else None,
            )  # fmt: skip
        diff = float(np.max(np.abs(ref_wav - our_wav))) if ref_wav.shape == our_wav.shape else float("inf")
        rows.append(
            {"case": name, "predict_f0": predict_f0, "frames": frames, "samples": len(our_wav),
             "peak": float(np.max(np.abs(ref_wav))), "max_abs_diff": diff, "ok": diff <= TOLERANCE}
        )  # fmt: skip
        print(
            f"{name:45s} predict_f0={predict_f0!s:5s} samples={len(our_wav):7d} max|diff|={diff:.3e}",
            flush=True,
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reference", choices=("fork", "orig"), default="fork")
    parser.add_argument(
        "--reference-path", help="folder to put on sys.path first (unpacked wheel or source tree)"
    )
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--json", type=Path, help="write the rows as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    ref_cls = import_reference(args.reference, args.reference_path)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, cfg, frames) in enumerate(cases(args.reference)):
            rows += run_case(ref_cls, name, cfg, frames, Path(tmp), args.seed + i)
    if args.json:
        args.json.write_text(json.dumps({"reference": args.reference, "rows": rows}, indent=1))
    worst = max(r["max_abs_diff"] for r in rows)
    print(
        f"worst max|diff| = {worst:.3e} (tolerance {TOLERANCE:g}): {'PASS' if worst <= TOLERANCE else 'FAIL'}"
    )
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    raise SystemExit(main())
