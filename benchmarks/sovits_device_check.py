"""So-VITS-SVC synthesizer on CUDA: same output as the CPU, half-precision SNR, speed (and the fork if given).

Builds a random-weight checkpoint at the default 4.1 size (hidden 192, 6 layers, 512-channel NSF-HiFi-GAN;
the reference's HiFi-GAN initialisation, so the output is not saturated),
synthesizes 10 s (861 frames at 44.1 kHz / hop 512) with every torch random draw returning zero, and reports:
- CPU float32 against CPU float64 (how strongly the random-weight model amplifies rounding);
- CUDA fp32 against CPU fp32/fp64 with cuDNN TF32 off, and with TF32 on (PyTorch's default for convolutions);
- max |difference| and SNR of fp16 and bf16 against CUDA fp32;
- median synthesis time per 10 s for fp32 / fp16 / bf16, and the NSF phase sum in both layouts;
- with --reference-path (so-vits-svc-fork source): the fork's SynthesizerTrn.infer on the same weights on the
  GPU (TF32 off) against ours, and its time per 10 s (TF32 on, as users run it).

    python benchmarks/sovits_device_check.py [--reference-path DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sovits_parity as parity  # noqa: E402

from autovoice_desktop.engine.sovits import SovitsModel  # noqa: E402

FRAMES = 861


def _timed(fn: Callable[[], object], repeats: int = 5) -> float:
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _snr(ref: np.ndarray, test: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / max(np.sum((ref - test) ** 2), 1e-30)))


def phase_layouts(device: str) -> dict[str, float]:
    """Time the reference's middle-axis cumsum against our last-axis one on 10 s of 9 harmonics."""
    rad = torch.rand(1, FRAMES * 512, 9, device=device) * 0.05
    middle = _timed(lambda: torch.cumsum(rad, 1))
    rad_t = rad.transpose(1, 2).contiguous()
    last = _timed(lambda: torch.cumsum(rad_t.double(), -1))
    return {"cumsum_middle_axis_fp32_ms": middle * 1e3, "cumsum_last_axis_fp64_ms": last * 1e3}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reference-path", help="so-vits-svc-fork source folder (optional)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device")
        return 2
    ref_cls = parity.import_reference("fork", args.reference_path) if args.reference_path else None
    cfg = parity.config({**parity.default_41_model(), **parity.KEYS_41})
    result: dict[str, object] = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "config.json").write_text(json.dumps(cfg))
        torch.manual_seed(0)
        cpu = SovitsModel.load(_save_random(folder, cfg))
        x = parity.inputs(FRAMES, 768, 0)
        feed = (x["c"][0], x["f0"][0], x["uv"][0])

        def run(model: SovitsModel) -> np.ndarray:
            with parity.zero_random_draws():
                return model.synthesize(*feed, speaker="bob", noise_scale=0.4)

        ref_cpu = run(cpu)
        result["peak"] = float(np.max(np.abs(ref_cpu)))
        ref_64 = _float64_cpu(cpu, feed)
        result["cpu_fp32_vs_fp64"] = _compare(ref_64, ref_cpu)  # how well conditioned the random model is
        gpu = SovitsModel.load(folder / "G_1.pth", device="cuda")
        torch.backends.cudnn.allow_tf32 = False
        out_fp32 = run(gpu)
        result["cuda_fp32_vs_cpu_fp32"] = _compare(ref_cpu, out_fp32)
        result["cuda_fp32_vs_cpu_fp64"] = _compare(ref_64, out_fp32)
        result["synth_10s_fp32_noTF32_ms"] = _timed(lambda: run(gpu)) * 1e3
        if ref_cls is not None:
            result["fork_vs_ours_cuda_fp32_noTF32"] = _compare(
                _fork_output(ref_cls, cfg, folder, x), out_fp32
            )
        torch.backends.cudnn.allow_tf32 = True  # PyTorch's default for convolutions
        out_tf32 = run(gpu)
        result["cuda_tf32_vs_cpu_fp32"] = _compare(ref_cpu, out_tf32)
        result["synth_10s_fp32_ms"] = _timed(lambda: run(gpu)) * 1e3
        for half in ("fp16", "bf16"):
            model = SovitsModel.load(folder / "G_1.pth", device="cuda", half=half)
            out = run(model)
            result[f"{half}_vs_cuda_fp32"] = _compare(out_fp32, out)
            result[f"synth_10s_{half}_ms"] = _timed(lambda m=model: run(m)) * 1e3
        result.update(phase_layouts("cuda"))
        if ref_cls is not None:
            result["fork_synth_10s_ms"] = _fork_time(ref_cls, cfg, folder, x) * 1e3
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


def _save_random(folder: Path, cfg: dict) -> Path:
    from autovoice_desktop.engine.sovits import parse_config
    from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn

    net = SynthesizerTrn(parse_config(cfg))
    with torch.no_grad():  # the reference's HiFi-GAN init (N(0, 0.01)); non-zero flow outputs
        for name, p in net.named_parameters():
            decoder = name.startswith(("dec.ups", "dec.resblocks", "dec.conv_post")) and "weight" in name
            if decoder or (name.startswith("flow.") and ".post." in name):
                p.normal_(0, 0.01)
    torch.save(
        {"model": net.state_dict(), "iteration": 1, "optimizer": {}, "learning_rate": 1e-4},
        folder / "G_1.pth",
    )
    return folder / "G_1.pth"


def _compare(ref: np.ndarray, test: np.ndarray) -> dict[str, float]:
    return {"max_abs": float(np.max(np.abs(ref - test))), "snr_db": _snr(ref, test)}


def _float64_cpu(model: SovitsModel, feed: tuple[torch.Tensor, ...]) -> np.ndarray:
    net = model.net.double()
    try:
        c, f0, uv = feed
        with parity.zero_random_draws(), torch.inference_mode():
            audio, _ = net.infer(c[None].double(), f0[None], uv[None], torch.tensor([1]), noise_scale=0.4)
        return audio[0, 0].numpy()
    finally:
        net.float()


def _fork_model(ref_cls: type, cfg: dict, folder: Path) -> torch.nn.Module:
    """The fork's SynthesizerTrn on the GPU with our checkpoint (weight norm as weight_g/weight_v)."""
    ref = ref_cls(1025, 20, **cfg["model"]).cuda().eval()
    state = torch.load(folder / "G_1.pth", weights_only=True)["model"]
    for name, module in ref.named_modules():
        if hasattr(module, "weight_g") and not name.startswith("enc_q."):
            weight = state.pop(f"{name}.weight")
            norm = weight.flatten(1).norm(dim=1).reshape([-1] + [1] * (weight.dim() - 1))
            state[f"{name}.weight_g"], state[f"{name}.weight_v"] = norm, weight
    missing, _ = ref.load_state_dict(state, strict=False)
    assert all(k.startswith("enc_q.") for k in missing), missing
    return ref


def _fork_infer(ref: torch.nn.Module, x: dict) -> torch.Tensor:
    c, f0, uv = (x[k].cuda() for k in ("c", "f0", "uv"))
    with torch.no_grad():
        return ref.infer(c, f0, uv, g=torch.LongTensor([[1]]).cuda(), noice_scale=0.4, predict_f0=False)


def _fork_output(ref_cls: type, cfg: dict, folder: Path, x: dict) -> np.ndarray:
    ref = _fork_model(ref_cls, cfg, folder)
    with parity.zero_random_draws():
        return _fork_infer(ref, x)[0, 0].float().cpu().numpy()


def _fork_time(ref_cls: type, cfg: dict, folder: Path, x: dict) -> float:
    ref = _fork_model(ref_cls, cfg, folder)
    return _timed(lambda: _fork_infer(ref, x))


if __name__ == "__main__":
    raise SystemExit(main())
