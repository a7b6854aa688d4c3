"""CUDA check of the content encoder, FCPE and the conversion pipeline (run on the GPU machine).

    python benchmarks/gpu_pipeline_check.py OUT_DIR

Random weights at the real sizes (hubert-base ContentVec 94 M, default 4.1 44.1 kHz synthesizer); speed does
not depend on weight values. Writes OUT_DIR/gpu_pipeline_check.json and prints it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autovoice_desktop.engine.content import load_content_encoder  # noqa: E402
from autovoice_desktop.engine.pitch import compute_f0  # noqa: E402
from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, convert  # noqa: E402

DATA = ROOT / "tests" / "data"
RECORDINGS = {
    "speech_m": (DATA / "speech_en_m_librispeech-3436-172162-0000.wav", 144.0),
    "speech_f": (DATA / "speech_en_f_librispeech-1995-1837-0001.wav", 203.0),
    "singing_m": (DATA / "singing_en_m_vocadito-10.wav", 125.0),
}
CONFIG_41 = {
    "train": {"segment_size": 10240},
    "data": {
        "sampling_rate": 44100,
        "hop_length": 512,
        "filter_length": 2048,
        "win_length": 2048,
        "unit_interpolate_mode": "nearest",
    },
    "model": {
        "inter_channels": 192,
        "hidden_channels": 192,
        "filter_channels": 768,
        "n_heads": 2,
        "n_layers": 6,
        "kernel_size": 3,
        "p_dropout": 0.1,
        "resblock": "1",
        "resblock_kernel_sizes": [3, 7, 11],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "upsample_rates": [8, 8, 2, 2, 2],
        "upsample_initial_channel": 512,
        "upsample_kernel_sizes": [16, 16, 4, 4, 4],
        "n_layers_q": 3,
        "use_spectral_norm": False,
        "gin_channels": 768,
        "ssl_dim": 768,
        "n_speakers": 1,
        "speech_encoder": "vec768l12",
        "vol_embedding": True,
        "vocoder_name": "nsf-hifigan",
        "use_automatic_f0_prediction": True,
    },
    "spk": {"bench": 0},
}


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """16-bit PCM wav -> float32 (N,), rate (scipy: soundfile needs cffi, absent on the GPU machine)."""
    from scipy.io import wavfile

    rate, data = wavfile.read(path)
    return (data.astype(np.float32) / 32768.0).reshape(len(data), -1).mean(axis=1), int(rate)


def snr_db(ref: np.ndarray, test: np.ndarray) -> float:
    noise = float(np.sum((ref - test) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref**2)) / noise)


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def build_encoder(folder: Path) -> Path:
    from transformers import HubertConfig, HubertModel

    torch.manual_seed(0)
    model = HubertModel(HubertConfig(classifier_proj_size=256)).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.config.to_json_file(str(folder / "config.json"))
    sd = {
        k.replace("parametrizations.weight.original0", "weight_g").replace(
            "parametrizations.weight.original1", "weight_v"
        ): v
        for k, v in model.state_dict().items()
    }
    proj = torch.nn.Linear(768, 256)
    sd.update({f"final_proj.{k}": v for k, v in proj.state_dict().items()})
    torch.save(sd, folder / "pytorch_model.bin")
    return folder


def build_voice(folder: Path) -> Path:
    from autovoice_desktop.engine.sovits import parse_config
    from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(CONFIG_41))
    torch.manual_seed(1234)
    net = SynthesizerTrn(parse_config(CONFIG_41))
    torch.save({"model": net.state_dict(), "iteration": 1}, folder / "G_1.pth")
    return folder


def main(out_dir: Path) -> None:
    report: dict = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0)}
    work = Path("/tmp/avcheck")
    wav, sr = read_wav(RECORDINGS["speech_m"][0])  # 16 kHz
    wav10 = np.resize(wav, 10 * sr)

    # 1. content encoder: CUDA fp32 / fp16 against CPU fp32
    enc_dir = build_encoder(work / "cvb")
    content = {}
    for kind in ("vec768l12", "vec256l9"):
        cpu = load_content_encoder(enc_dir, kind=kind).encode(wav10)
        enc = load_content_encoder(enc_dir, kind=kind, device="cuda")
        gpu = enc.encode(wav10)
        enc.encode(wav10)
        sync()
        t = time.perf_counter()
        for _ in range(5):
            enc.encode(wav10)
        sync()
        fp32_ms = (time.perf_counter() - t) / 5 * 1000
        enc.to("cuda", half=True)
        half = enc.encode(wav10)
        content[kind] = {
            "shape": list(gpu.shape),
            "max_abs_diff_cuda_fp32_vs_cpu": float(np.abs(gpu - cpu).max()),
            "max_abs_cpu": float(np.abs(cpu).max()),
            "snr_db_cuda_fp16_vs_cpu": snr_db(cpu, half),
            "ms_per_10s_cuda_fp32": fp32_ms,
        }
    report["content"] = content

    # 2. FCPE on CUDA vs CPU on the real recordings
    fcpe = {}
    for name, (path, median) in RECORDINGS.items():
        x, rate = read_wav(path)
        hop = 512 if rate == 44100 else 160
        f_cpu, uv_cpu = compute_f0(x, rate, hop, method="fcpe", device="cpu")
        compute_f0(x, rate, hop, method="fcpe", device="cuda")
        sync()
        t = time.perf_counter()
        f_gpu, uv_gpu = compute_f0(x, rate, hop, method="fcpe", device="cuda")
        sync()
        fcpe[name] = {
            "expected_median": median,
            "median_cuda": float(np.median(f_gpu[uv_gpu > 0])),
            "median_cpu": float(np.median(f_cpu[uv_cpu > 0])),
            "uv_agreement": float(np.mean(uv_cpu == uv_gpu)),
            "max_rel_diff_voiced": float(np.max(np.abs(f_gpu - f_cpu)[uv_cpu > 0] / f_cpu[uv_cpu > 0])),
            "seconds_cuda": time.perf_counter() - t,
            "audio_seconds": len(x) / rate,
        }
    report["fcpe"] = fcpe

    # 3. pipeline end to end with the default-size 4.1 model
    from autovoice_desktop.engine.sovits import SovitsModel

    voice = build_voice(work / "voice")
    speech, rate = read_wav(RECORDINGS["singing_m"][0])  # 44.1 kHz singing
    pipeline = {}
    for half in (False, True):
        model = SovitsModel.load(voice / "G_1.pth", device="cuda", half=half)
        enc = load_content_encoder(enc_dir, kind="vec768l12", device="cuda").to("cuda", half=half)
        for f0_method in ("fcpe", "dio"):
            try:
                compute_f0(speech[:4410], rate, 512, method=f0_method)
            except Exception as exc:  # pyworld may be missing on the GPU machine
                pipeline[f"{f0_method}"] = f"skipped: {exc}"
                continue
            opts = PipelineOptions(f0_method=f0_method, f0_device="cuda", seed=1)
            for seconds in (10, 60):
                audio = np.resize(speech, seconds * rate)
                convert(model, enc, audio[: 2 * rate], rate, opts, device="cuda")
                sync()
                times = []
                for _ in range(3):
                    t = time.perf_counter()
                    result = convert(model, enc, audio, rate, opts, device="cuda")
                    sync()
                    times.append(time.perf_counter() - t)
                key = f"{'fp16' if half else 'fp32'}_{f0_method}_{seconds}s"
                pipeline[key] = {
                    "best_s": min(times),
                    "rtf": min(times) / seconds,
                    "out_len": result.audio.size,
                    "in_len": audio.size,
                    "finite": bool(np.isfinite(result.audio).all()),
                }
                if not half and f0_method == "fcpe" and seconds == 10:
                    ref10 = result.audio
                if half and f0_method == "fcpe" and seconds == 10:
                    pipeline["snr_db_fp16_vs_fp32_10s"] = snr_db(ref10, result.audio)
        model.release()
    pipeline["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 1e6
    report["pipeline"] = pipeline
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "gpu_pipeline_check.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
