"""pytest plugin: a private PulseAudio server with a virtual microphone and a virtual speaker.

The session-scoped fixture `pulse_server` starts `pulseaudio` (no hardware modules, no D-Bus) in its own
XDG_RUNTIME_DIR with:

- a null sink ``speaker`` (the default sink): whatever the app plays can be captured from ``speaker.monitor``;
- a null sink ``micfeed`` and a remap source ``mic`` on its monitor (the default source): whatever is played
  into ``micfeed`` (`PulseServer.feed_mic`) is what the app hears from the default input device.

It points this process (``os.environ``: XDG_RUNTIME_DIR, PULSE_SERVER) and therefore every subprocess at the
server, and re-initialises PortAudio so sounddevice lists the ALSA ``pulse``/``default`` devices even if
it was imported before the server ran. PortAudio (Debian) has no PulseAudio host API: it reaches the
server through the ALSA ``pulse`` plugin from libasound2-plugins.

If the server cannot start: with AUTOVOICE_REQUIRE_AUDIO=1 (CI) the test FAILS; otherwise it is skipped with
a loud reason. Recipe and pitfalls: ../shared/reference/environment.md §3.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

PULSE_CONFIG = "\n".join(
    [
        "load-module module-native-protocol-unix auth-anonymous=1",
        "load-module module-null-sink sink_name=speaker rate=48000 channels=1"
        " sink_properties=device.description=VirtualSpeaker",
        "load-module module-null-sink sink_name=micfeed rate=48000 channels=1"
        " sink_properties=device.description=MicFeed",
        "load-module module-remap-source source_name=mic master=micfeed.monitor"
        " source_properties=device.description=VirtualMic",
        "set-default-sink speaker",
        "set-default-source mic",
        "",
    ]
)
CAPTURE_RATE = 48000
REQUIRE_ENV = "AUTOVOICE_REQUIRE_AUDIO"


@dataclass
class PulseServer:
    """A running private PulseAudio server and helpers to drive its virtual devices."""

    runtime_dir: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def log_file(self) -> Path:
        """The server's log (read it when a test fails)."""
        return self.runtime_dir / "pulse.log"

    def client_env(self) -> dict[str, str]:
        """os.environ plus the variables that make a subprocess talk to this server."""
        return {**os.environ, **self.env}

    def pactl(self, *args: str) -> str:
        """Run `pactl ARGS` against this server; returns its stdout."""
        result = subprocess.run(
            ["pactl", *args], env=self.client_env(), capture_output=True, text=True, timeout=20, check=True
        )
        return result.stdout

    def feed_mic(
        self,
        wav: str | os.PathLike[str],
        *,
        pad_seconds: float = 0.2,
        wait: bool = True,
        timeout: float = 60.0,
    ) -> subprocess.Popen[bytes]:
        """Play `wav` into the virtual microphone (`paplay --device=micfeed`).

        The ALSA/pulse path can drop the first ~60 ms written, so `pad_seconds` of silence are put in front
        and behind (a padded copy is played). With wait=True this returns after paplay finished.
        """
        source = Path(wav)
        if pad_seconds > 0:
            data, rate = sf.read(str(source), dtype="float32", always_2d=True)
            pad = np.zeros((int(pad_seconds * rate), data.shape[1]), dtype=np.float32)
            padded = self.runtime_dir / f"feed-{time.monotonic_ns()}.wav"
            sf.write(str(padded), np.concatenate([pad, data, pad]), rate, subtype="FLOAT")
            source = padded
        proc = subprocess.Popen(
            ["paplay", "--device=micfeed", str(source)],
            env=self.client_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait:
            proc.wait(timeout=timeout)
            if proc.returncode != 0:
                raise RuntimeError(f"paplay failed with {proc.returncode}; see {self.log_file}")
        return proc

    @contextlib.contextmanager
    def capture_speaker(self, out: str | os.PathLike[str] | None = None) -> Iterator[SpeakerCapture]:
        """Record the virtual speaker's monitor (parec, float32 mono 48 kHz) while the block runs.

        parec writes to a file, never an unread pipe (a pipe stalls at 64 KiB). After the block,
        `capture.samples` holds (N,) float32 at `capture.rate`.
        """
        raw = Path(out) if out else self.runtime_dir / f"speaker-{time.monotonic_ns()}.raw"
        capture = SpeakerCapture(raw_path=raw, rate=CAPTURE_RATE)
        with open(raw, "wb") as sink:
            proc = subprocess.Popen(
                [
                    "parec",
                    "--device=speaker.monitor",
                    "--format=float32le",
                    f"--rate={CAPTURE_RATE}",
                    "--channels=1",
                    "--latency-msec=20",
                ],
                env=self.client_env(),
                stdout=sink,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait_for_growth(raw, proc, timeout=10.0)
                yield capture
            finally:
                time.sleep(0.3)
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        capture.samples = np.fromfile(raw, dtype="<f4")


@dataclass
class SpeakerCapture:
    """What `PulseServer.capture_speaker` recorded."""

    raw_path: Path
    rate: int
    samples: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))


def _wait_for_growth(path: Path, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until parec has written something (it is then connected and streaming)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"parec exited early with {proc.returncode}")
        if path.stat().st_size > 0:
            return
        time.sleep(0.02)
    raise RuntimeError("parec delivered no data")


def _unavailable(reason: str) -> None:
    """Fail in CI (AUTOVOICE_REQUIRE_AUDIO=1), skip loudly elsewhere."""
    message = f"private PulseAudio server unavailable: {reason}"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} ({REQUIRE_ENV}=1: audio tests must run)", pytrace=False)
    pytest.skip(
        f"AUDIO TESTS SKIPPED — {message}. Install libportaudio2 pulseaudio pulseaudio-utils "
        f"libasound2-plugins; set {REQUIRE_ENV}=1 to make this a failure."
    )


def _reinit_portaudio() -> str | None:
    """Re-initialise PortAudio so it lists the devices of the server now running. Returns an error text."""
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library not found
        return f"sounddevice cannot load PortAudio ({exc})"
    with contextlib.suppress(Exception):
        sd._terminate()
    sd._initialize()
    names = [dev["name"] for dev in sd.query_devices()]
    if "pulse" not in names:
        return f"PortAudio lists no ALSA 'pulse' device (devices: {names}); is libasound2-plugins installed?"
    return None


def start_pulse_server() -> PulseServer:
    """Start the server; raises RuntimeError with the reason if it cannot."""
    for tool in ("pulseaudio", "pactl", "paplay", "parec"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"'{tool}' is not installed")
    runtime = Path(tempfile.mkdtemp(prefix="av-pulse-"))
    runtime.chmod(0o700)
    config = runtime / "virtual-audio.pa"
    config.write_text(PULSE_CONFIG)
    env = {"XDG_RUNTIME_DIR": str(runtime), "PULSE_SERVER": f"unix:{runtime}/pulse/native"}
    server_env = {**os.environ, **env, "HOME": str(runtime), "XDG_CONFIG_HOME": str(runtime / "config")}
    server_env.pop("PULSE_SERVER")
    proc = subprocess.Popen(
        [
            "pulseaudio",
            "--daemonize=no",
            "-n",
            "-F",
            str(config),
            "--exit-idle-time=-1",
            f"--log-target=file:{runtime}/pulse.log",
        ],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = PulseServer(runtime_dir=runtime, process=proc, env=env)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = server.log_file.read_text(errors="replace")[-2000:] if server.log_file.exists() else ""
            stop_pulse_server(server)
            raise RuntimeError(f"pulseaudio exited with {proc.returncode}: {log}")
        probe = subprocess.run(["pactl", "info"], env=server.client_env(), capture_output=True, timeout=10)
        if probe.returncode == 0:
            return server
        time.sleep(0.1)
    stop_pulse_server(server)
    raise RuntimeError("pulseaudio did not answer within 15 s")


def stop_pulse_server(server: PulseServer) -> None:
    """Stop the server and remove its runtime folder."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
    shutil.rmtree(server.runtime_dir, ignore_errors=True)


_SESSION_STATE: dict[str, object] = {}


@pytest.fixture(scope="session")
def pulse_server() -> Iterator[PulseServer]:
    """The private PulseAudio server, shared by the session; os.environ points at it while it runs."""
    if "error" in _SESSION_STATE:
        _unavailable(str(_SESSION_STATE["error"]))
    try:
        server = start_pulse_server()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        _SESSION_STATE["error"] = exc
        _unavailable(str(exc))
    saved = {key: os.environ.get(key) for key in server.env}
    os.environ.update(server.env)
    error = _reinit_portaudio()
    if error:
        _SESSION_STATE["error"] = error
        _restore_env(saved)
        stop_pulse_server(server)
        _unavailable(error)
    try:
        yield server
    finally:
        _restore_env(saved)
        stop_pulse_server(server)
        with contextlib.suppress(Exception):
            _reinit_portaudio()


def _restore_env(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def pulse(pulse_server: PulseServer) -> PulseServer:
    """Per-test access to the session server (marks the need for real audio devices)."""
    return pulse_server


def pytest_configure(config: pytest.Config) -> None:
    """Document the plugin in `pytest --markers`."""
    config.addinivalue_line("markers", "pulse: uses the private PulseAudio server (tests/pulse.py)")


def correlate_aligned(reference: np.ndarray, recorded: np.ndarray) -> tuple[float, int, float]:
    """Normalised correlation of `recorded` with `reference` after aligning the delay.

    Returns (correlation, lag in samples of `recorded` behind `reference`, overlap fraction of the reference).
    """
    from scipy.signal import correlate

    ref = np.asarray(reference, dtype=np.float64)
    rec = np.asarray(recorded, dtype=np.float64)
    if len(ref) == 0 or len(rec) == 0:
        return 0.0, 0, 0.0
    full = correlate(rec, ref, mode="full", method="fft")
    lag = int(np.argmax(full)) - (len(ref) - 1)
    if lag >= 0:
        a, b = ref, rec[lag:]
    else:
        a, b = ref[-lag:], rec
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    corr = float(np.dot(a, b) / denom) if denom > 0 else 0.0
    return corr, lag, n / len(ref)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say loudly at the end when the audio tests could not use the private server."""
    if "error" in _SESSION_STATE:
        terminalreporter.write_sep("!", "AUDIO TESTS DID NOT RUN", red=True, bold=True)
        reason = _SESSION_STATE["error"]
        terminalreporter.write_line(f"private PulseAudio server unavailable: {reason}", red=True)
