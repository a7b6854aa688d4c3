"""Parity on the path users run: AutoVoice's public conversion against so-vits-svc-fork's own `Svc.infer`.

Same checkpoint (built and saved by the fork's SynthesizerTrn, random weights), same ContentVec weights (a
random HubertModel folder), same F0 method (dio), float32, every torch random draw returning zeros in both
engines (torch.randn/randn_like/rand/rand_like/normal, as benchmarks/sovits_parity.py). Inputs: short
continuous clips of the real recordings in tests/data, resampled once to the model rate (soxr HQ), so
neither engine resamples at its input and AutoVoice's silence slicing has nothing to cut (checked: one speech
interval per clip).

Run it where the fork is importable, with AutoVoice on the path (never a dependency of AutoVoice):

    PYTHONPATH=$PWD /tmp/forkvenv/bin/python -m benchmarks.fork_infer_parity [--size small|default]
        [--json out.json] [--save-dir DIR]

Printed per clip: SNR of our output against the fork's (dB), max |diff|, the first sample where they differ
by more than 1e-3 of the fork's peak, and the intermediate features compared (raw F0 after dio and the
resize, F0 after gap filling, uv, content units on the frame grid).
`--save-dir` writes the model folder and, per clip, the input and the fork's output.
`--write-test-data tests/engine/sovits/data/fork_infer_40` writes the CI reference (`write_test_data`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_common import BENCH_CONFIG, TEST_DATA, make_contentvec  # noqa: E402
from benchmarks.bench_fork import _patch_content_loader  # noqa: E402
from benchmarks.sovits_parity import save_trained, small_model, zero_random_draws  # noqa: E402

MODEL_RATE = 44100
BOOSTED = ("enc_p.proj", "dec.conv_pre")  # weights x10: 5 % noise on the units then costs ~20 dB of SNR
UNIT_NOISE = 0.05
# (file, start s, length s): continuous stretches (no pause long enough for the 0.5 s silence slicing)
CLIPS = (
    ("speech_en_f_librispeech-1995-1837-0001.wav", 0.6, 3.0),
    ("speech_en_m_librispeech-3436-172162-0000.wav", 3.0, 3.0),
    ("singing_en_m_vocadito-10.wav", 1.0, 3.0),
    ("singing_en_m_vocadito-10.wav", 5.0, 3.0),
    ("speech_en_m_librispeech-3436-172162-0000.wav", 10.5, 2.0),
    # segmented dio (2 workers) put one frame 0.1 Hz off on these two (before EXACT_UP_TO_S)
    ("speech_en_f_librispeech-1995-1837-0001.wav", 2.0845805, 3.7982540),
    ("singing_en_m_vocadito-10.wav", 3.5870068, 5.2617460),
)


def bench_config(size: str) -> dict:
    """The fork's 4.0v1 template (vec768l12, no final proj); `small`: narrower layers (fast on 2 cores)."""
    cfg = json.loads(json.dumps(BENCH_CONFIG))
    if size == "small":
        model = small_model(768, 200)
        model["type_"] = "hifi-gan"
        cfg["model"] = model
    return cfg


def fork_net(cfg: dict, seed: int, boost: float) -> torch.nn.Module:
    """The fork's SynthesizerTrn for `cfg`, randomised as `random_net` does."""
    from so_vits_svc_fork.modules.synthesizers import SynthesizerTrn

    return random_net(SynthesizerTrn, cfg, seed, boost)


def random_net(synthesizer: type, cfg: dict, seed: int, boost: float) -> torch.nn.Module:
    """A reference's SynthesizerTrn class built for `cfg`, every weight moved off its init value (weight norms
    included), BOOSTED layers scaled by `boost`: a random net barely depends on its content; a trained voice
    does."""
    data = cfg["data"]
    torch.manual_seed(seed)
    net = synthesizer(
        data["filter_length"] // 2 + 1, cfg["train"]["segment_size"] // data["hop_length"], **cfg["model"]
    )
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        modules = dict(net.named_modules())
        for name in BOOSTED:
            conv = modules[name]
            (conv.weight_g if hasattr(conv, "weight_g") else conv.weight).mul_(boost)
    return net


def make_model(folder: Path, size: str, seed: int = 1234) -> Path:
    """config.json + G_0.pth saved exactly as the fork saves checkpoints + contentvec/ (random weights)."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = bench_config(size)
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    save_trained(fork_net(cfg, seed, 10.0), folder / "G_0.pth")
    make_contentvec(folder / "contentvec", seed)
    return folder


TINY_CONTENTVEC = {  # a 9+ layer HubertModel small enough for test data (vec256l9 through final_proj)
    "hidden_size": 32,
    "num_hidden_layers": 9,
    "num_attention_heads": 2,
    "intermediate_size": 48,
    "conv_dim": (16,) * 7,
    "conv_kernel": (10, 3, 3, 3, 3, 2, 2),
    "conv_stride": (5, 2, 2, 2, 2, 2, 2),
    "num_conv_pos_embeddings": 16,
    "num_conv_pos_embedding_groups": 4,
    "classifier_proj_size": 256,
    "feat_extract_norm": "group",
    "conv_bias": False,
    "do_stable_layer_norm": False,
}
TEST_CLIP = ("speech_en_f_librispeech-1995-1837-0001.wav", 1.1, 1.0)


def write_test_data(folder: Path, seed: int = 7, boost: float = 20.0) -> None:
    """tests/engine/sovits/data/fork_infer_40 (see its README): a tiny 4.0 voice saved by the fork (legacy
    256-d content through final_proj; a release file: fp16, no enc_q), a tiny random ContentVec folder
    (float32: transformers 5 would run an fp16 file in fp16), a 1 s real clip (44.1 kHz PCM_16) and the
    fork's `Svc.infer` output for it, random draws zero."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = json.loads(json.dumps(BENCH_CONFIG))
    cfg["data"]["contentvec_final_proj"] = True
    cfg["model"] = small_model(256, 2) | {"type_": "hifi-gan", "upsample_initial_channel": 32}
    cfg["model"].update(inter_channels=16, hidden_channels=16, filter_channels=32)
    cfg["spk"] = {"bench": 0, "other": 1}
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    net = fork_net(cfg, seed, boost)
    sd = {k: v.half() for k, v in net.state_dict().items() if not k.startswith("enc_q.")}  # release, fp16
    torch.save({"model": sd, "iteration": 0, "optimizer": None, "learning_rate": 1e-4}, folder / "G_0.pth")
    write_tiny_contentvec(folder / "contentvec", seed)
    sf.write(folder / "clip.wav", load_clip(*TEST_CLIP), MODEL_RATE, subtype="PCM_16")
    clip, _ = sf.read(folder / "clip.wav", dtype="float32")
    fork = ForkRun(folder)
    expected = fork(clip)
    np.save(folder / "expected.npy", expected.astype(np.float32))
    print(f"{folder}: {clip.size} samples in, {expected.size} out, peak {np.abs(expected).max():.3f}, "
          f"{UNIT_NOISE:.0%} unit noise -> {fork.sensitivity(clip):.1f} dB")  # fmt: skip


def write_tiny_contentvec(folder: Path, seed: int) -> None:
    """TINY_CONTENTVEC with random weights in the content-vec-best layout (config.json, pytorch_model.bin
    with `final_proj`), float32 (transformers 5 would run an fp16 file in fp16)."""
    from transformers import HubertConfig, HubertModel

    torch.manual_seed(seed)
    hubert = HubertModel(HubertConfig(**TINY_CONTENTVEC)).eval()
    with torch.no_grad():
        for p in hubert.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    proj = torch.nn.Linear(TINY_CONTENTVEC["hidden_size"], TINY_CONTENTVEC["classifier_proj_size"])
    folder.mkdir(parents=True, exist_ok=True)
    hubert.config.to_json_file(str(folder / "config.json"))
    weights = dict(hubert.state_dict()) | {f"final_proj.{k}": v for k, v in proj.state_dict().items()}
    torch.save(weights, folder / "pytorch_model.bin")


def load_clip(name: str, start: float, length: float) -> np.ndarray:
    import soxr

    audio, rate = sf.read(TEST_DATA / name, dtype="float32", always_2d=True)
    whole = soxr.resample(audio.mean(axis=1), rate, MODEL_RATE, quality="HQ").astype(np.float32)
    return whole[round(start * MODEL_RATE) : round((start + length) * MODEL_RATE)].copy()


def native_clip(name: str, start: float, length: float) -> tuple[np.ndarray, int]:
    """The clip cut at the recording's own rate (mono float32)."""
    audio, rate = sf.read(TEST_DATA / name, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    return mono[round(start * rate) : round((start + length) * rate)].copy(), rate


def librosa_to_model_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    """What `librosa.load(path, sr=44100)` (the fork's CLI) makes of audio at `rate`."""
    import librosa

    return librosa.resample(audio, orig_sr=rate, target_sr=MODEL_RATE).astype(np.float32)


def snr_db(ref: np.ndarray, out: np.ndarray) -> float:
    err = float(np.sum((ref.astype(np.float64) - out) ** 2))
    return float("inf") if err == 0 else 10 * np.log10(float(np.sum(ref.astype(np.float64) ** 2)) / err)


class ForkRun:
    """The fork's Svc with hooks recording its intermediate features (raw F0, filled F0, uv, units)."""

    def __init__(self, folder: Path) -> None:
        _patch_content_loader(folder / "contentvec")
        import so_vits_svc_fork.f0 as f0mod
        import so_vits_svc_fork.inference.core as core
        from so_vits_svc_fork.inference.core import Svc

        self.svc = Svc(
            net_g_path=str(folder / "G_0.pth"), config_path=str(folder / "config.json"), device="cpu"
        )
        self.seen: dict[str, np.ndarray] = {}
        compute, interp, infer = f0mod.compute_f0, f0mod.interpolate_f0, self.svc.net_g.infer

        def compute_f0(*a: Any, **k: Any) -> np.ndarray:
            out = compute(*a, **k)
            self.seen["raw_f0"] = np.array(out, dtype=np.float64)
            return out

        def interpolate_f0(f0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            filled, uv = interp(f0)
            self.seen["f0"], self.seen["uv"] = np.array(filled, np.float64), np.array(uv, np.float32)
            return filled, uv

        def net_infer(c: torch.Tensor, **k: Any) -> torch.Tensor:
            self.seen["units"] = c[0].float().numpy().copy()
            return infer(c, **k)

        core.so_vits_svc_fork.f0.compute_f0 = compute_f0
        core.so_vits_svc_fork.f0.interpolate_f0 = interpolate_f0
        self.svc.net_g.infer = net_infer

    def sensitivity(self, audio: np.ndarray) -> float:
        """SNR of the fork's output with UNIT_NOISE x the units' std of fixed noise added to its units."""
        ref, infer = self(audio), self.svc.net_g.infer
        noise = np.random.default_rng(0).standard_normal(self.seen["units"].shape).astype(np.float32)

        def noisy(c: torch.Tensor, **k: Any) -> torch.Tensor:
            return infer(c + UNIT_NOISE * c.std() * torch.from_numpy(noise)[None], **k)

        self.svc.net_g.infer = noisy
        try:
            return snr_db(ref, self(audio))
        finally:
            self.svc.net_g.infer = infer

    def __call__(self, audio: np.ndarray, f0: str = "dio") -> np.ndarray:
        with zero_random_draws():
            wav, _ = self.svc.infer(
                "bench", 0, audio.copy(), auto_predict_f0=False, f0_method=f0, noise_scale=0.4
            )
        return wav.numpy()


class OurRun:
    """AutoVoice: the public `SovitsVoice.convert` path, plus the features `analyse`/`WindowedSynth` give."""

    def __init__(self, folder: Path, f0: str = "dio") -> None:
        from autovoice_desktop.core.types import VoiceInfo
        from autovoice_desktop.engine.sovits.voice import SovitsVoice

        info = VoiceInfo("sovits/parity", "parity", "sovits", speakers=("bench",), sample_rate=MODEL_RATE)
        self.f0 = f0
        self.voice = SovitsVoice(
            info, folder / "G_0.pth", folder / "config.json", device="cpu", encoder_path=folder / "contentvec"
        )

    def __call__(self, audio: np.ndarray, rate: int = MODEL_RATE) -> np.ndarray:
        from autovoice_desktop.core.types import ConversionParams

        params = ConversionParams(f0_method=self.f0, half=False, device="cpu", auto_predict_f0=False)
        with zero_random_draws():
            return self.voice.convert(audio, rate, params).audio

    def features(self, audio: np.ndarray) -> dict[str, np.ndarray]:
        from autovoice_desktop.engine.pitch import raw_f0
        from autovoice_desktop.engine.sovits.content_input import to_content_rate
        from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, analyse
        from autovoice_desktop.engine.sovits.slicing import speech_intervals
        from autovoice_desktop.engine.sovits.voice import get_content_encoder
        from autovoice_desktop.engine.sovits.windowed import WindowedSynth

        model = self.voice.model("cpu", False)
        hop = model.hop_length
        found = analyse(model, audio, PipelineOptions(f0_method=self.f0))
        raw = raw_f0(audio, MODEL_RATE, hop, audio.size // hop, self.f0, segmented=True)
        encoder = get_content_encoder(self.voice.encoder_path, model.speech_encoder, "cpu", False)
        synth = WindowedSynth(model, encoder)
        wav16 = to_content_rate(audio, MODEL_RATE)
        units = synth.content(wav16, audio.size // hop)
        intervals = speech_intervals(audio, MODEL_RATE, -40.0, False, 0.5)
        return {
            "raw_f0": raw,
            "f0": found.f0.astype(np.float64),
            "uv": found.uv,
            "units": units[0][1][0].float().numpy(),
            "intervals": np.asarray(intervals, dtype=np.int64).reshape(-1, 2),
            "n_windows": np.asarray(sum(len(b) for b, _ in units)),
        }


def compare(name: str, ref: np.ndarray, out: np.ndarray, fork_seen: dict, ours: dict) -> dict:
    n = min(ref.size, out.size)
    diff = np.abs(ref[:n] - out[:n])
    bad = np.flatnonzero(diff > 1e-3 * float(np.max(np.abs(ref))))
    row: dict[str, Any] = {
        "clip": name,
        "samples": [int(ref.size), int(out.size)],
        "snr_db": snr_db(ref[:n], out[:n]),
        "max_abs_diff": float(diff.max()),
        "peak": float(np.max(np.abs(ref))),
        "first_diverging_s": None if bad.size == 0 else float(bad[0] / MODEL_RATE),
        "speech_intervals": ours["intervals"].tolist(),
    }
    for key in ("raw_f0", "f0", "uv"):
        a, b = fork_seen[key], ours[key]
        if key == "f0":  # the fork hands its float64 F0 to the synthesizer as float32, as we keep it
            a, b = a.astype(np.float32), b.astype(np.float32)
        m = min(a.size, b.size)
        d = np.abs(a[:m] - b[:m])
        first = np.flatnonzero(d > 1e-6)
        row[key] = {
            "frames": [int(a.size), int(b.size)],
            "max_abs_diff": float(d.max()) if m else 0.0,
            "frames_differing": int(first.size),
            "first_differing_frame": int(first[0]) if first.size else None,
        }
    a, b = fork_seen["units"], ours["units"]
    m = min(a.shape[1], b.shape[1])
    d = np.abs(a[:, :m] - b[:, :m]).max(axis=0)
    row["units"] = {
        "shape": [list(a.shape), list(b.shape)],
        "max_abs_diff": float(d.max()),
        "rel_rms_diff": float(np.sqrt(np.mean((a[:, :m] - b[:, :m]) ** 2) / np.mean(a[:, :m] ** 2))),
    }
    return row


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=("small", "default"), default="small")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--save-dir", type=Path, help="keep the model folder, inputs and fork outputs here")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--native-rate", action="store_true", help="ours converts the clip at its own rate (16 kHz speech)"
    )
    parser.add_argument("--f0", choices=("dio", "harvest"), default="dio")
    parser.add_argument("--write-test-data", type=Path, help="write the CI reference folder here and stop")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.write_test_data:
        write_test_data(args.write_test_data)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_model((args.save_dir or Path(tmp)) / f"model_{args.size}", args.size)
        fork, ours = ForkRun(folder), OurRun(folder, args.f0)
        sensitivity = fork.sensitivity(load_clip(*CLIPS[0]))
        print(
            f"sensitivity: {UNIT_NOISE:.0%} noise on the fork's units -> {sensitivity:.1f} dB SNR", flush=True
        )
        rows = []
        for i, (name, start, length) in enumerate(CLIPS):
            audio = load_clip(name, start, length)
            ref = fork(audio, args.f0)
            out = ours(audio)
            if args.native_rate:  # ours gets the recording at its own rate, the fork librosa.load's 44.1 kHz
                native, rate = native_clip(name, start, length)
                audio = librosa_to_model_rate(native, rate)
                ref, out = fork(audio, args.f0), ours(native, rate)
            label = f"{name.split('_librispeech')[0].split('_vocadito')[0]} {start:g}-{start + length:g} s"
            row = compare(label, ref, out, fork.seen, ours.features(audio))
            rows.append(row)
            print(
                f"{label:32s} SNR {row['snr_db']:7.2f} dB  max|diff| {row['max_abs_diff']:.3e} "
                f"(peak {row['peak']:.3f})  first diverging {row['first_diverging_s']}  "
                f"raw_f0 {row['raw_f0']['frames_differing']} frames "
                f"(max {row['raw_f0']['max_abs_diff']:.3g} Hz)"
                f"  f0 {row['f0']['frames_differing']} (max {row['f0']['max_abs_diff']:.3g})"
                f"  uv {row['uv']['frames_differing']}  units rel {row['units']['rel_rms_diff']:.2e}",
                flush=True,
            )
            if args.save_dir:
                np.savez(args.save_dir / f"clip{i}.npz", audio=audio, fork=ref, ours=out)
    if args.json:
        record = {"size": args.size, "unit_noise_snr_db": sensitivity, "rows": rows}
        args.json.write_text(json.dumps(record, indent=1))
    worst = min(r["snr_db"] for r in rows)
    print(f"worst SNR {worst:.2f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
