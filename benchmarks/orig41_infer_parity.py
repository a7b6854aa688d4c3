"""Parity on the path users run for 4.1 voices: AutoVoice against the original So-VITS-SVC 4.1's `Svc.infer`.

The reference is svc-develop-team/so-vits-svc, branch 4.1-Stable (730930d), run unchanged but for two
loaders: its ContentVec class (fairseq) is replaced by one that runs the same random ContentVec folder through
transformers' HubertModel (layer 12, as `ContentVec768L12.encoder` returns it, (1, 768, T)), and faiss, which
only its cluster/index code uses, by an empty stand-in. The checkpoint is built and saved by 4.1's own
SynthesizerTrn (weights moved off their init values, `enc_p.proj` and `dec.conv_pre` x10 so the output
depends on the content as a trained voice's does). F0 method dio, float32, every torch random draw zero in
both (`sovits_parity.zero_random_draws`). The inputs are the continuous clips of `fork_infer_parity` (one
speech interval each), written as float WAV files: `Svc.infer` reads a file (torchaudio.load) and resamples
it to the model rate itself; AutoVoice gets the same samples through `SovitsVoice.convert`.

Cases: `data.unit_interpolate_mode` "nearest" (4.1's config template) with and without `vol_embedding`, and
"left" (a 4.1 config without the key). `--native-rate`: each clip at its recording's own rate (16 kHz speech,
44.1 kHz singing), so both programs resample it to the model rate.

Run it where the 4.1 tree and its inference requirements (torchaudio's Python code, librosa, pyworld,
scikit-learn) are importable; they are never dependencies of AutoVoice:

    git -C <so-vits-svc clone> archive 4.1-Stable | tar -x -C /tmp/sovits41
    PYTHONPATH=$PWD:/tmp/sovits41 /tmp/forkvenv/bin/python -m benchmarks.orig41_infer_parity [--json F]

`--write-test-data tests/engine/sovits/data/orig41_infer` writes the CI reference (`write_test_data`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_common import make_contentvec  # noqa: E402
from benchmarks.fork_infer_parity import (  # noqa: E402
    CLIPS,
    MODEL_RATE,
    OurRun,
    compare,
    load_clip,
    native_clip,
    random_net,
)
from benchmarks.sovits_parity import (  # noqa: E402
    KEYS_41,
    import_reference,
    save_trained,
    small_model,
    zero_random_draws,
)

CASES = {  # name: (unit_interpolate_mode or None for a config without it, vol_embedding)
    "4.1 nearest": ("nearest", False),
    "4.1 nearest + volume": ("nearest", True),
    "4.1 left (no key)": (None, False),
}


def config(mode: str | None, volume: bool) -> dict:
    data: dict[str, Any] = {
        "sampling_rate": MODEL_RATE, "hop_length": 512, "filter_length": 2048, "win_length": 2048,
    }  # fmt: skip
    if mode is not None:
        data["unit_interpolate_mode"] = mode
    model = {**small_model(768, 1), **KEYS_41, "vol_embedding": volume}
    return {"train": {"segment_size": 10240}, "data": data, "model": model, "spk": {"bench": 0}}


def make_model(
    folder: Path, cfg: dict, seed: int = 1234, boost: float = 10.0, contentvec: bool = True
) -> Path:
    """config.json + G_0.pth built and saved by 4.1's SynthesizerTrn, and a random contentvec/ folder."""
    from models import SynthesizerTrn  # 4.1's

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(cfg, indent=1))
    save_trained(random_net(SynthesizerTrn, cfg, seed, boost), folder / "G_0.pth")
    if contentvec:
        make_contentvec(folder / "contentvec", seed)
    return folder


def install_content_encoder(folder: Path) -> None:
    """4.1's `vencoder.ContentVec768L12` and `ContentVec256L9` as a transformers HubertModel over `folder`
    (4.1's load fairseq checkpoints): layer 12 as it is, or layer 9 through `final_proj`, (1, dim, T)."""
    from transformers import HubertModel

    def encoder_class(layer: int, projected: bool) -> type:
        class ContentVec:
            def __init__(self, vec_path: str = "", device: Any = None) -> None:
                self.model = HubertModel.from_pretrained(folder).eval()
                self.proj = None
                if projected:
                    weights = torch.load(folder / "pytorch_model.bin", weights_only=True)
                    proj = {k.split(".", 1)[1]: v for k, v in weights.items() if k.startswith("final_proj.")}
                    self.proj = torch.nn.Linear(proj["weight"].shape[1], proj["weight"].shape[0])
                    self.proj.load_state_dict(proj)
                self.dev = device

            def encoder(self, wav: torch.Tensor) -> torch.Tensor:
                feats = wav.mean(-1) if wav.dim() == 2 else wav
                with torch.no_grad():
                    out = self.model(feats.view(1, -1).float(), output_hidden_states=True)
                    hidden = out.hidden_states[layer]
                    if self.proj is not None:
                        hidden = self.proj(hidden)
                return hidden.transpose(1, 2)

        return ContentVec

    for name, layer, projected in (("ContentVec768L12", 12, False), ("ContentVec256L9", 9, True)):
        module = types.ModuleType(f"vencoder.{name}")
        setattr(module, name, encoder_class(layer, projected))
        sys.modules[f"vencoder.{name}"] = module


def patch_torchaudio_io() -> None:
    """torchaudio >= 2.9 has no `set_audio_backend` and reads files through torchcodec: a no-op setter and
    a soundfile reader (the same float samples, (channels, N)) stand in; its Resample is used as it is."""
    import torchaudio

    def load(path: str) -> tuple[torch.Tensor, int]:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        return torch.from_numpy(data.T.copy()), rate

    torchaudio.set_audio_backend = lambda name: None  # type: ignore[attr-defined]
    torchaudio.load = load  # type: ignore[assignment]


class Orig41Run:
    """4.1's Svc, with hooks recording its F0, voicing and units on the frame grid."""

    def __init__(self, folder: Path) -> None:
        install_content_encoder(folder / "contentvec")
        patch_torchaudio_io()
        import utils  # 4.1's
        from inference.infer_tool import Svc

        self.svc = Svc(
            str(folder / "G_0.pth"), str(folder / "config.json"), device="cpu",
            cluster_model_path=str(folder / "no_cluster.pt"),
        )  # fmt: skip
        self.seen: dict[str, np.ndarray] = {}
        expand = utils.repeat_expand_2d

        def repeat_expand_2d(content: torch.Tensor, target_len: int, mode: str = "left") -> torch.Tensor:
            out = expand(content, target_len, mode)
            self.seen["units"] = out.float().numpy().copy()
            return out

        utils.repeat_expand_2d = repeat_expand_2d

    def __call__(self, path: Path, f0: str = "dio") -> np.ndarray:
        import utils

        get_predictor = utils.get_f0_predictor

        def predictor(*a: Any, **k: Any) -> Any:
            made = get_predictor(*a, **k)
            compute = made.compute_f0_uv

            def compute_f0_uv(wav: np.ndarray, p_len: int | None = None) -> tuple:
                f0, uv = compute(wav, p_len)
                self.seen["f0"], self.seen["uv"] = np.array(f0, np.float64), np.array(uv, np.float32)
                return f0, uv

            made.compute_f0_uv = compute_f0_uv
            return made

        utils.get_f0_predictor = predictor
        self.svc.f0_predictor_object = None  # made again, with the hook
        # 4.1's infer keeps its input resampler when the input's rate changes (it checks the rate of its
        # 16 kHz transform instead): drop it, so each clip is resampled from its own rate
        self.svc.__dict__.pop("audio_resample_transform", None)
        try:
            with zero_random_draws():
                audio, _, _ = self.svc.infer(
                    "bench", 0, str(path), auto_predict_f0=False, noice_scale=0.4, f0_predictor=f0
                )
        finally:
            utils.get_f0_predictor = get_predictor
        self.seen["raw_f0"] = self.seen["f0"]  # 4.1's predictor hands over the filled F0 only
        return audio.numpy()


TEST_CLIP = ("speech_en_f_librispeech-1995-1837-0001.wav", 1.1, 1.0)


def write_test_data(folder: Path, seed: int = 11, boost: float = 20.0) -> None:
    """tests/engine/sovits/data/orig41_infer (see its README): a tiny 4.1 voice saved by 4.1's
    SynthesizerTrn (vec256l9 through final_proj, vol_embedding, unit_interpolate_mode "nearest"), a tiny
    random ContentVec folder, 1 s of real speech at its own 16 kHz and 4.1's `Svc.infer` output for it
    (random draws zero): 4.1 resamples it to 44.1 kHz, F0, content and volume."""
    from benchmarks.fork_infer_parity import write_tiny_contentvec

    cfg = config("nearest", True)
    cfg["model"] = {**small_model(256, 2), **KEYS_41, "vol_embedding": True, "speech_encoder": "vec256l9"}
    cfg["model"].update(upsample_initial_channel=32, inter_channels=16, hidden_channels=16)
    cfg["model"].update(filter_channels=32)
    cfg["spk"] = {"bench": 0, "other": 1}
    make_model(folder, cfg, seed, boost, contentvec=False)
    trained = torch.load(folder / "G_0.pth", weights_only=True)["model"]  # as a release file: no enc_q
    release = {k: v for k, v in trained.items() if not k.startswith("enc_q.")}
    state = {"model": release, "iteration": 0, "optimizer": None, "learning_rate": 1e-4}
    torch.save(state, folder / "G_0.pth")
    write_tiny_contentvec(folder / "contentvec", seed)
    clip, rate = native_clip(*TEST_CLIP)
    sf.write(folder / "clip.wav", clip, rate, subtype="PCM_16")
    expected = Orig41Run(folder)(folder / "clip.wav")
    np.save(folder / "expected.npy", expected.astype(np.float32))
    print(f"{folder}: {clip.size} samples at {rate} Hz in, {expected.size} out at {MODEL_RATE} Hz, "
          f"peak {np.abs(expected).max():.3f}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--native-rate", action="store_true", help="each clip at its recording's own rate")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--f0", choices=("dio", "harvest"), default="dio")
    parser.add_argument("--write-test-data", type=Path, help="write the CI reference folder here and stop")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import_reference("orig", None)  # stand-ins for what 4.1 imports but never runs here (faiss & co.)
    if args.write_test_data:
        write_test_data(args.write_test_data)
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            folder = make_model(Path(tmp) / case.replace(" ", "_"), config(*CASES[case]))
            ref, ours = Orig41Run(folder), OurRun(folder, args.f0)
            for i, (name, start, length) in enumerate(CLIPS):
                audio, rate = native_clip(name, start, length) if args.native_rate else (
                    load_clip(name, start, length), MODEL_RATE
                )  # fmt: skip
                path = Path(tmp) / f"clip{i}.wav"
                sf.write(path, audio, rate, subtype="FLOAT")
                expected = ref(path, args.f0)
                out = ours(audio, rate)
                model_rate_audio = ref.svc.audio_resample_transform(torch.from_numpy(audio)[None]).numpy()[0]
                label = (
                    f"{case}: {name.split('_librispeech')[0].split('_vocadito')[0]} {start:g}+{length:g} s"
                )
                row = compare(label, expected, out, ref.seen, ours.features(model_rate_audio))
                rows.append(row)
                print(
                    f"{label:48s} SNR {row['snr_db']:7.2f} dB  max|diff| {row['max_abs_diff']:.2e} "
                    f"(peak {row['peak']:.3f})  f0 frames off {row['f0']['frames_differing']} "
                    f"(max {row['f0']['max_abs_diff']:.3g} Hz)  uv {row['uv']['frames_differing']}  "
                    f"units rel {row['units']['rel_rms_diff']:.2e}",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps({"native_rate": args.native_rate, "rows": rows}, indent=1))
    print(f"worst SNR {min(r['snr_db'] for r in rows):.2f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
