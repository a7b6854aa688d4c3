"""Long inputs report progress from the first seconds and can be cancelled in every stage (issue 14).

No wall-clock limits: progress is counted per second of processed audio. The pitch stage of the So-VITS
speed path (it sat at "0 % analysing pitch" for minutes on a 3-hour file) now reports after every round of
`workers` 2-second segments (at most 4 s of audio on the 2 workers used here, a fraction of a second of
work); the content stage reports per window batch; cancel raised from a report stops the stage at once.
The CLI writes a line at least every 2 s in a pipe while the fraction moves (a fake clock drives it).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest

from autovoice_desktop.app.cli_progress import PIPE_INTERVAL_S, BatchProgress
from autovoice_desktop.core.errors import ConversionCancelled
from autovoice_desktop.engine.pitch import world_f0_segmented

SR, HOP = 16000, 320
LONG_S = 120.0  # 2 minutes: long enough to show the rate, short enough for a loaded 2-core CI


def _long_voiced(seconds: float, sr: int = SR) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    f0 = 150 + 40 * np.sin(2 * np.pi * 0.3 * t)
    x = 0.3 * np.sin(2 * np.pi * np.cumsum(f0) / sr)
    x[(t % 10) < 2] = 0.0  # a pause every 10 s
    return x.astype(np.float32)


def test_pitch_reports_at_least_every_4_seconds_of_audio() -> None:
    """2 minutes: ≥ 30 reports, none covering more than 2 workers x 2 s of audio, fractions rising to 1."""
    audio = _long_voiced(LONG_S)
    fractions: list[float] = []
    world_f0_segmented(audio, SR, HOP, "dio", workers=2, segment_s=2.0, tick=fractions.append)
    assert len(fractions) >= LONG_S / 4.0
    steps = np.diff([0.0, *fractions]) * LONG_S
    assert steps.max() <= 4.0 + 0.05 and np.all(steps > 0)
    assert fractions[-1] == pytest.approx(1.0)


def test_pitch_cancel_stops_within_one_round() -> None:
    """A cancel raised from the third report ends the analysis there (no fourth report)."""
    audio = _long_voiced(LONG_S)
    calls: list[float] = []

    def tick(fraction: float) -> None:
        calls.append(fraction)
        if len(calls) == 3:
            raise ConversionCancelled()

    with pytest.raises(ConversionCancelled):
        world_f0_segmented(audio, SR, HOP, "dio", workers=2, segment_s=2.0, tick=tick)
    assert len(calls) == 3 and calls[-1] <= 3 * 4.0 / LONG_S + 0.01


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from autovoice_desktop.engine.content import load_content_encoder
    from autovoice_desktop.engine.sovits import SovitsModel
    from tests.engine.content_helpers import save_content_vec_best, tiny_reference
    from tests.engine.sovits_helpers import write_voice

    root: Path = tmp_path_factory.mktemp("long-progress")
    folder = write_voice(root / "voice", seed=3)
    model = SovitsModel.load(folder / "G_100.pth")
    hubert, proj = tiny_reference(seed=1, proj_dim=256)
    encoder = load_content_encoder(save_content_vec_best(root / "cv", hubert, proj), kind="vec256l9")
    return model, encoder


def test_speed_path_reports_pitch_and_content_progress_and_cancels_in_pitch(tiny_voice) -> None:  # noqa: ANN001
    """pipeline.convert, 1 minute: Pitch and Content report often; a cancel in Pitch stops before Content."""
    from autovoice_desktop.engine.sovits.pipeline import PipelineOptions, convert

    model, encoder = tiny_voice
    seconds = 60.0
    audio = _long_voiced(seconds, model.sample_rate)
    seen: list[tuple[float, str]] = []
    cancel = threading.Event()

    def progress(fraction: float, stage: str) -> None:
        seen.append((fraction, stage))
        if sum(s == "Pitch" for _f, s in seen) == 4:
            cancel.set()

    with pytest.raises(ConversionCancelled):
        convert(model, encoder, audio, model.sample_rate, PipelineOptions(f0_method="dio"),
                progress=progress, cancel=cancel)  # fmt: skip
    assert [s for _f, s in seen] == ["Pitch"] * 4  # the first report comes before any analysis
    seen.clear()
    result = convert(model, encoder, audio, model.sample_rate, PipelineOptions(f0_method="dio"),
                     progress=lambda f, s: seen.append((f, s)))  # fmt: skip
    assert len(result.audio) == len(audio)
    pitch = [f for f, s in seen if s == "Pitch"]
    assert len(pitch) >= seconds / 4.0 / 2  # at least one report per 8 s of audio, whatever the core count
    assert "Content" in {s for _f, s in seen}
    fractions = [f for f, _s in seen]
    assert fractions == sorted(fractions)


def test_cli_pipe_gets_a_line_every_2_seconds_while_work_moves() -> None:
    """Not a terminal: small steps still print a line once 2 s passed (fake clock); no change, no line."""
    now = [0.0]
    stream = io.StringIO()
    progress = BatchProgress(1, stream=stream, clock=lambda: now[0])
    progress.start_file(0, "three hours.wav")
    progress.update(0.0, "Pitch")
    lines = stream.getvalue().count("\n")
    for k in range(1, 31):  # 30 s of work, 0.1 % every second
        now[0] = float(k)
        progress.update(k * 0.001, "Pitch")
    printed = stream.getvalue().count("\n") - lines
    assert printed >= 30 / PIPE_INTERVAL_S - 1
    assert "  3.0% Pitch" in stream.getvalue()
    before = stream.getvalue().count("\n")
    now[0] = 100.0
    progress.update(0.030, "Pitch")  # the same fraction again: nothing new to say
    assert stream.getvalue().count("\n") == before
