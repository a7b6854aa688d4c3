"""The installation self-test (`AutoVoice --self-test`, `autovoice self-test`): no window, works offscreen.

It proves that an installed or frozen AutoVoice can do its job on this machine:

* every library the app needs imports (torch, Qt widgets, transformers, pyworld, the PortAudio binding);
* the bundled sample clip loads;
* every built-in voice loads and converts the sample; each output is finite, has the input's duration and is
  not silent, and its pitch moved as the voice asks: the median F0 ratio output/input (DIO on both) matches
  2^(k/12) within a quarter of a semitone (k = the voice's transpose; a voice with a target median F0 is
  checked against that median instead; the whisper voice, which has no pitch, is checked for that);
* one voice again with an explicit transpose of +7 semitones;
* the FCPE F0 model (weights shipped in torchfcpe) runs and agrees with DIO;
* the content encoder (transformers HubertModel) builds and runs (a tiny random model; no download);
* a converted file is written to and read back from the user cache folder (never next to the program).

The report is one JSON object on stdout; anything libraries print goes to stderr. `run_self_test` never raises
for a failed check: each failure is recorded with its reason and `ok` is false.
"""

from __future__ import annotations

import contextlib
import json
import math
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from autovoice_desktop.core import paths

SAMPLE_NAME = "sample_speech_en_m.wav"
#: Largest allowed difference between the measured and the requested pitch change, in semitones.
PITCH_TOLERANCE_ST = 0.25
#: A monotone voice: 90% of its voiced frames must lie within this many semitones of its median.
FLAT_SPREAD_ST = 1.0
#: Explicit transpose of the extra conversion (semitones).
EXTRA_TRANSPOSE = 7.0
#: Largest allowed duration difference between input and output (seconds).
LENGTH_TOLERANCE_S = 0.02
_VERSIONED_DISTS = (
    "torch", "numpy", "scipy", "PySide6-Essentials", "pyqtgraph", "pyworld", "soundfile", "sounddevice",
    "transformers", "torchfcpe", "platformdirs", "soxr",
)  # fmt: skip


class CheckFailed(Exception):
    """A self-test check found a problem; the message says what."""


@dataclass
class CheckResult:
    """One check: its name, whether it passed, how long it took, and what it found (or why it failed)."""

    name: str
    ok: bool
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class SelfTestReport:
    """Everything the self-test found; `ok` is true when every check passed."""

    ok: bool
    app: str
    version: str
    frozen: bool
    executable: str
    platform: str
    device: dict[str, Any]
    versions: dict[str, str]
    folders: dict[str, str]
    checks: list[CheckResult]
    seconds: float

    @property
    def failures(self) -> list[CheckResult]:
        """The checks that failed."""
        return [check for check in self.checks if not check.ok]

    def to_json(self) -> str:
        """The report as indented JSON (with a `failures` list of 'name: reason' lines)."""
        data = asdict(self)
        data["failures"] = [f"{c.name}: {c.error}" for c in self.failures]
        return json.dumps(data, indent=2, ensure_ascii=False, default=str)


class _Runner:
    """Runs checks, timing each and turning exceptions into failed results."""

    def __init__(self) -> None:
        self.results: list[CheckResult] = []

    def run(self, name: str, check: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        start = time.perf_counter()
        try:
            detail = check()
        except Exception as exc:  # noqa: BLE001 - a failed check is reported, never raised
            reason = str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
            detail = {} if isinstance(exc, CheckFailed) else {"traceback": traceback.format_exc(limit=8)}
            seconds = round(time.perf_counter() - start, 3)
            self.results.append(CheckResult(name, False, seconds, detail, reason))
            return None
        self.results.append(CheckResult(name, True, round(time.perf_counter() - start, 3), detail))
        return detail


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        module = sys.modules.get(dist.split("-")[0].lower()) or sys.modules.get(dist.split("-")[0])
        return str(getattr(module, "__version__", "not installed"))


def app_version() -> str:
    """AutoVoice's version (from the installed metadata, else the package)."""
    try:
        return metadata.version("autovoice-desktop")
    except metadata.PackageNotFoundError:
        import autovoice_desktop

        return str(getattr(autovoice_desktop, "__version__", "unknown"))


def collect_versions() -> dict[str, str]:
    """Versions of Python and of the libraries AutoVoice runs on."""
    versions = {"python": platform.python_version()}
    for dist in _VERSIONED_DISTS:
        versions[dist] = _version(dist)
    with contextlib.suppress(Exception):
        import soundfile

        versions["libsndfile"] = str(soundfile.__libsndfile_version__)
    with contextlib.suppress(Exception):
        import torch

        versions["torch"] = str(torch.__version__)
        versions["torch_cuda"] = str(torch.version.cuda)
    return versions


def _folders() -> dict[str, str]:
    return {
        "config": str(paths.config_dir()),
        "data": str(paths.data_dir()),
        "cache": str(paths.cache_dir()),
        "logs": str(paths.log_dir()),
        "resources": str(paths.resource_path()),
        "models": str(paths.models_path()),
    }


def _device_info(device: str) -> dict[str, Any]:
    from autovoice_desktop.engine import device as engine_device

    resolved, notice = engine_device.resolve_device(device)
    info: dict[str, Any] = {
        "requested": device,
        "device": resolved,
        "name": engine_device.describe_device(resolved),
    }
    info["available"] = [choice for choice, _ in engine_device.list_compute_devices()]
    if notice:
        info["notice"] = notice
    return info


# --- pitch measurement -------------------------------------------------------------------------------------
def estimate_f0(audio: np.ndarray, sample_rate: int, method: str = "dio") -> tuple[np.ndarray, np.ndarray]:
    """(times, f0) with f0 = 0 on unvoiced frames, from the engine's pitch module."""
    from autovoice_desktop.engine.pitch import estimate_f0 as engine_estimate_f0

    times, f0 = engine_estimate_f0(audio, sample_rate, method=method)
    return np.asarray(times, dtype=np.float64), np.asarray(f0, dtype=np.float64)


def median_f0(f0: np.ndarray) -> float:
    """Median of the voiced frames (0 when none is voiced)."""
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if voiced.size else 0.0


def semitones(ratio: float) -> float:
    """A frequency ratio in semitones."""
    return 12.0 * math.log2(ratio)


def measured_shift(source_f0: np.ndarray, output_f0: np.ndarray) -> float:
    """Median pitch change output/source in semitones, over frames voiced in both (medians if too few)."""
    count = min(len(source_f0), len(output_f0))
    src, out = source_f0[:count], output_f0[:count]
    both = (src > 0) & (out > 0)
    if both.sum() >= 20:
        return float(np.median(12.0 * np.log2(out[both] / src[both])))
    src_median, out_median = median_f0(source_f0), median_f0(output_f0)
    if src_median <= 0 or out_median <= 0:
        raise CheckFailed("no voiced frames to compare pitch")
    return semitones(out_median / src_median)


# --- the checks --------------------------------------------------------------------------------------------
def _check_imports() -> dict[str, Any]:
    import pyworld  # noqa: F401
    import soundfile  # noqa: F401
    import torch
    import transformers  # noqa: F401
    from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401 - no QApplication is created

    detail: dict[str, Any] = {"torch_threads": torch.get_num_threads()}
    try:
        import sounddevice

        detail["audio_devices"] = len(sounddevice.query_devices())
        detail["portaudio"] = str(sounddevice.get_portaudio_version()[1])
    except Exception as exc:  # noqa: BLE001 - no sound server is fine; a missing PortAudio in a bundle is not
        if getattr(sys, "frozen", False) and isinstance(exc, OSError):
            raise CheckFailed(f"the bundled PortAudio library does not load: {exc}") from exc
        detail["audio_devices"] = f"unavailable: {exc}"
    return detail


def _load_sample() -> tuple[np.ndarray, int]:
    from autovoice_desktop.audio.io import load_audio

    path = paths.resource_path("samples", SAMPLE_NAME)
    if not path.is_file():
        raise CheckFailed(f"the bundled sample is missing: {path}")
    loaded = load_audio(path)
    samples = np.asarray(loaded.samples, dtype=np.float32)
    return samples, int(loaded.sample_rate)


def _check_output(audio: np.ndarray, rate: int, source: np.ndarray, source_rate: int) -> dict[str, Any]:
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise CheckFailed(f"output has shape {audio.shape}, expected mono (N,)")
    if not np.all(np.isfinite(audio)):
        raise CheckFailed(f"output has {int(np.sum(~np.isfinite(audio)))} non-finite samples")
    duration, expected = len(audio) / rate, len(source) / source_rate
    if abs(duration - expected) > LENGTH_TOLERANCE_S:
        raise CheckFailed(f"output lasts {duration:.3f} s, the input {expected:.3f} s")
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    peak = float(np.max(np.abs(audio)))
    if rms < 1e-4:
        raise CheckFailed(f"output is silent (RMS {rms:.2e})")
    if peak > 1.0 + 1e-6:
        raise CheckFailed(f"output clips (peak {peak:.3f})")
    return {"duration_s": round(duration, 4), "rms": round(rms, 4), "peak": round(peak, 4)}


def _expected_shift(params: Any, source_median: float) -> float | None:
    """Requested pitch change in semitones, or None when the voice has no pitch (whisper)."""
    if params.pitch_mode == "whisper":
        return None
    if params.target_median_f0:
        return semitones(params.target_median_f0 / source_median) + params.transpose
    return float(params.transpose)


def _convert_and_check(
    voice: Any,
    params: Any,
    source: np.ndarray,
    rate: int,
    source_f0: np.ndarray,
    keep: list[Any] | None = None,
) -> dict[str, Any]:
    """Convert `source` with `voice` and check the output; `keep` (if given) receives the result."""
    result = voice.convert(source, rate, params)
    if keep is not None:
        keep.append(result)
    detail = _check_output(result.audio, result.sample_rate, source, rate)
    detail.update(transpose=params.transpose, formant_shift=params.formant_shift)
    detail["pitch_mode"] = params.pitch_mode
    _, out_f0 = estimate_f0(np.asarray(result.audio, dtype=np.float64), result.sample_rate)
    voiced = float(np.mean(out_f0 > 0))
    detail["voiced_fraction"] = round(voiced, 3)
    expected = _expected_shift(params, median_f0(source_f0))
    if expected is None:
        if voiced > 0.5 * max(float(np.mean(source_f0 > 0)), 1e-6):
            raise CheckFailed(f"whispered output is still voiced on {voiced:.0%} of frames")
        return detail
    if params.pitch_mode == "flat" or params.target_median_f0:
        measured = semitones(median_f0(out_f0) / median_f0(source_f0)) if median_f0(out_f0) > 0 else math.nan
    else:
        measured = measured_shift(source_f0, out_f0)
    detail.update(expected_shift_st=round(expected, 3), measured_shift_st=round(measured, 3))
    if not abs(measured - expected) <= PITCH_TOLERANCE_ST:
        raise CheckFailed(
            f"pitch moved {measured:+.2f} semitones, {expected:+.2f} were asked "
            f"(tolerance {PITCH_TOLERANCE_ST} semitones)"
        )
    if params.pitch_mode == "flat":
        # 90th percentile of the distance from the median: robust to DIO's occasional octave errors
        distance = np.abs(12.0 * np.log2(out_f0[out_f0 > 0] / median_f0(out_f0)))
        spread = float(np.percentile(distance, 90))
        detail["flat_spread_p90_st"] = round(spread, 3)
        if spread > FLAT_SPREAD_ST:
            raise CheckFailed(f"monotone voice: 10% of its frames are {spread:.2f}+ semitones off its median")
    return detail


def _check_fcpe(source: np.ndarray, rate: int, dio_f0: np.ndarray, device: str = "cpu") -> dict[str, Any]:
    """FCPE on `device` (a torch device string) agrees with DIO on the sample's median F0."""
    from autovoice_desktop.engine.pitch import estimate_f0 as engine_estimate_f0

    _, f0 = engine_estimate_f0(source.astype(np.float64), rate, method="fcpe", device=device)
    f0 = np.asarray(f0, dtype=np.float64)
    fcpe_median, dio_median = median_f0(f0), median_f0(dio_f0)
    if fcpe_median <= 0:
        raise CheckFailed("FCPE found no voiced frames in the sample")
    difference = semitones(fcpe_median / dio_median)
    if abs(difference) > 1.0:
        raise CheckFailed(f"FCPE median F0 {fcpe_median:.1f} Hz differs from DIO's {dio_median:.1f} Hz")
    return {"device": device, "median_f0_hz": round(fcpe_median, 2), "dio_median_f0_hz": round(dio_median, 2)}


def _check_content_encoder(source: np.ndarray, rate: int, device: str = "cpu") -> dict[str, Any]:
    """Build a tiny random ContentVec-layout encoder through the engine; run it on `device` (no weights)."""
    import torch
    from transformers import HubertConfig, HubertModel

    from autovoice_desktop.audio.io import resample
    from autovoice_desktop.engine.content import build_encoder

    config = {
        "hidden_size": 32, "num_hidden_layers": 12, "num_attention_heads": 2, "intermediate_size": 64,
        "conv_dim": [16] * 7, "num_conv_pos_embeddings": 16, "num_conv_pos_embedding_groups": 2,
        "do_stable_layer_norm": False, "feat_extract_norm": "group",
    }  # fmt: skip
    torch.manual_seed(0)
    state = HubertModel(HubertConfig(**config)).state_dict()
    encoder = build_encoder(config, state, "vec768l12", device)
    wav = resample(source, rate, 16000) if rate != 16000 else source
    units = encoder.encode(wav)
    frames = (len(wav) - 400) // 320 + 1
    if units.shape != (32, frames) or not np.all(np.isfinite(units)):
        raise CheckFailed(f"content encoder gave shape {units.shape}, expected (32, {frames})")
    return {"device": device, "units_shape": list(units.shape)}


def _check_write_read(audio: np.ndarray, rate: int) -> dict[str, Any]:
    from autovoice_desktop.audio.io import load_audio, save_audio

    cache = paths.cache_dir()
    bundle = Path(getattr(sys, "_MEIPASS", "")).resolve() if getattr(sys, "frozen", False) else None
    program_dir = Path(sys.executable).resolve().parent
    for folder in (paths.config_dir(), paths.data_dir(), cache, paths.log_dir()):
        resolved = folder.resolve()
        for forbidden in (bundle, program_dir if getattr(sys, "frozen", False) else None):
            if forbidden is not None and (resolved == forbidden or forbidden in resolved.parents):
                raise CheckFailed(f"user folder {folder} is inside the program folder {forbidden}")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="selftest-", dir=cache) as tmp:
        target = Path(tmp) / "converted.wav"
        save_audio(target, audio, rate)
        back = load_audio(target)
        if back.sample_rate != rate or abs(len(back.samples) - len(audio)) > 0:
            raise CheckFailed(f"wrote {len(audio)} samples at {rate} Hz, read back {len(back.samples)}")
        error = float(np.max(np.abs(np.asarray(back.samples) - np.clip(audio, -1, 1))))
        if error > 1e-3:
            raise CheckFailed(f"file read back differs from what was written (max error {error:.2e})")
    return {"folder": str(cache), "max_error": round(error, 6)}


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Keep stdout for the JSON report: whatever libraries print goes to stderr."""
    with contextlib.redirect_stdout(sys.stderr):
        yield


def run_self_test(device: str = "auto", voices: list[str] | None = None) -> SelfTestReport:
    """Run every check and return the report (never raises for a failed check).

    device: compute device for the voices ("auto", "cpu", "cuda"). voices: restrict to these voice ids or
    names (default: every built-in voice).
    """
    start = time.perf_counter()
    runner = _Runner()
    with _stdout_to_stderr():
        runner.run("imports", _check_imports)
        device_info: dict[str, Any] = {}
        runner.run("device", lambda: device_info.update(_device_info(device)) or dict(device_info))
        sample: dict[str, Any] = {}

        def load() -> dict[str, Any]:
            audio, rate = _load_sample()
            _, f0 = estimate_f0(audio.astype(np.float64), rate)
            sample.update(audio=audio, rate=rate, f0=f0)
            return {"file": SAMPLE_NAME, "sample_rate": rate, "duration_s": round(len(audio) / rate, 3),
                    "median_f0_hz": round(median_f0(f0), 2)}  # fmt: skip

        runner.run("sample", load)
        if sample:
            _run_voice_checks(runner, device, voices, sample)
            torch_device = str(device_info.get("device") or "cpu")  # the resolved device ("cuda:0", "cpu")
            runner.run(
                "f0_fcpe", lambda: _check_fcpe(sample["audio"], sample["rate"], sample["f0"], torch_device)
            )
            runner.run(
                "content_encoder",
                lambda: _check_content_encoder(sample["audio"], sample["rate"], torch_device),
            )
    return SelfTestReport(
        ok=all(result.ok for result in runner.results),
        app=paths.APP_NAME,
        version=app_version(),
        frozen=bool(getattr(sys, "frozen", False)),
        executable=sys.executable,
        platform=platform.platform(),
        device=device_info,
        versions=collect_versions(),
        folders=_folders(),
        checks=runner.results,
        seconds=round(time.perf_counter() - start, 3),
    )


def _run_voice_checks(runner: _Runner, device: str, wanted: list[str] | None, sample: dict[str, Any]) -> None:
    """Load and convert with every built-in voice, then the explicit-transpose and file round-trip checks."""
    from autovoice_desktop.engine.voices import list_voices, load_voice

    infos: list[Any] = []

    def listing() -> dict[str, Any]:
        found = [info for info in list_voices() if info.kind == "builtin"]
        if wanted:
            found = [info for info in found if info.voice_id in wanted or info.name in wanted]
        if not found:
            raise CheckFailed("no built-in voice found" + (f" matching {wanted}" if wanted else ""))
        infos.extend(found)
        return {"voices": [info.name for info in found]}

    runner.run("voices", listing)
    audio, rate, f0 = sample["audio"], sample["rate"], sample["f0"]
    converted: list[Any] = []  # the first conversion's result, for the file round trip
    first_follow: tuple[Any, Any] | None = None
    for info in infos:
        loaded: list[Any] = []

        def convert(info: Any = info, loaded: list[Any] = loaded) -> dict[str, Any]:
            voice = load_voice(info.voice_id, device=device)
            loaded.append(voice)
            params = replace(info.defaults, device=device)
            detail = _convert_and_check(voice, params, audio, rate, f0, keep=None if converted else converted)
            return {"voice_id": info.voice_id, **detail}

        runner.run(f"voice: {info.name}", convert)
        if loaded and first_follow is None and info.defaults.pitch_mode == "follow":
            first_follow = (info, loaded[0])
    if first_follow is not None:
        info, voice = first_follow
        params = replace(info.defaults, device=device, transpose=EXTRA_TRANSPOSE, target_median_f0=None)
        runner.run(
            f"transpose {EXTRA_TRANSPOSE:+g}: {info.name}",
            lambda: _convert_and_check(voice, params, audio, rate, f0),
        )
    if converted:
        result = converted[0]
        runner.run(
            "write_read",
            lambda: _check_write_read(np.asarray(result.audio, dtype=np.float32), result.sample_rate),
        )


def main(device: str = "auto", voices: list[str] | None = None) -> int:
    """Run the self-test: JSON report on stdout, one-line verdict on stderr; returns 0 if all passed."""
    report = run_self_test(device=device, voices=voices)
    print(report.to_json(), flush=True)
    if report.ok:
        print(f"self-test passed: {len(report.checks)} checks in {report.seconds:.1f} s", file=sys.stderr)
        return 0
    for failure in report.failures:
        print(f"self-test FAILED: {failure.name}: {failure.error}", file=sys.stderr)
    return 1
