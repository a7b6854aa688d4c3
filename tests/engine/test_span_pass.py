"""SpanPasses: which file spans replay a CUDA graph (a shape converted twice, few spans, bounded, cleared).

Capturing needs CUDA; here `capture` is replaced by a recorder, so the policy runs on the CPU. The replay
itself (graph against eager, same audio) is checked on the GPU by benchmarks/graph_check.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autovoice_desktop.engine import cuda_graphs
from autovoice_desktop.engine.sovits import span_pass
from autovoice_desktop.engine.sovits.span_pass import SpanPass, SpanPasses, SpanShape
from autovoice_desktop.engine.sovits.windowed import WindowedSynth, WindowSettings
from tests.engine.sovits_helpers import tiny_model_and_encoder, voiced_signal

OPTIONS = {"noise_scale": 0.4, "predict_f0": False, "use_volume": False}


def _shape(frames: int, length16: int, **changes: object) -> SpanShape:
    return SpanShape(frames, length16, **(OPTIONS | changes))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> WindowedSynth:
    model, encoder = tiny_model_and_encoder(tmp_path_factory.mktemp("span_pass"))
    return WindowedSynth(model, encoder, WindowSettings.for_device("cpu"))


@pytest.fixture
def captures(monkeypatch: pytest.MonkeyPatch) -> list[SpanPass]:
    """Every SpanPass.capture call; each one succeeds (the pass still runs eagerly on the CPU)."""
    made: list[SpanPass] = []

    def record(self: SpanPass) -> bool:
        made.append(self)
        return True

    monkeypatch.setattr(SpanPass, "capture", record)
    return made


def _passes(kept: int = 2) -> SpanPasses:
    return SpanPasses(kept, can_capture=lambda synth: True)


def test_a_shape_is_captured_the_second_time_and_then_reused(synth: WindowedSynth, captures: list) -> None:
    passes = _passes()
    first = passes.get(synth, _shape(100, 32000), spans=1)
    assert captures == [] and len(passes) == 0  # a first conversion never pays for a capture
    second = passes.get(synth, _shape(100, 32000), spans=1)
    assert captures == [second] and second is not first and len(passes) == 1
    assert passes.get(synth, _shape(100, 32000), spans=1) is second
    assert len(captures) == 1
    other = passes.get(synth, _shape(100, 32000, predict_f0=True), spans=1)
    assert other is not second and len(captures) == 1  # other settings: another shape, seen once


def test_files_with_more_spans_than_kept_graphs_never_capture(synth: WindowedSynth, captures: list) -> None:
    passes = _passes(kept=2)
    for _ in range(3):
        for frames in (100, 120, 140):
            passes.get(synth, _shape(frames, frames * 320), spans=3)
    assert captures == [] and len(passes) == 0


def test_long_spans_never_capture(synth: WindowedSynth, captures: list) -> None:
    passes = _passes()
    rate, hop = synth.model.sample_rate, synth.model.hop_length
    longest = int(span_pass.MAX_GRAPH_SECONDS * rate / hop)
    for frames in (longest + 1, longest):
        for _ in range(2):
            passes.get(synth, _shape(frames, frames * 320), spans=1)
    assert [p.frames for p in captures] == [longest]


def test_kept_graphs_are_bounded_and_cleared(synth: WindowedSynth, captures: list) -> None:
    passes = _passes(kept=2)
    for frames in (100, 120, 140):
        for _ in range(2):
            passes.get(synth, _shape(frames, frames * 320), spans=1)
    assert len(captures) == 3 and len(passes) == 2  # the oldest graph was dropped
    passes.clear()
    assert len(passes) == 0
    passes.get(synth, _shape(140, 140 * 320), spans=1)
    assert len(captures) == 3  # after clear() a shape is new again


def test_moved_weights_make_a_new_shape(tmp_path, captures: list) -> None:  # noqa: ANN001
    """A graph replays the weights' addresses: after a move (here to bf16) its pass is not reused."""
    model, encoder = tiny_model_and_encoder(tmp_path)
    passes = _passes()
    for _ in range(2):
        kept = passes.get(WindowedSynth(model, encoder), _shape(100, 32000), spans=1)
    model.to("cpu", half="bf16")
    moved = passes.get(WindowedSynth(model, encoder), _shape(100, 32000), spans=1)
    assert moved is not kept and len(captures) == 1


def test_a_failed_capture_turns_capturing_off(synth: WindowedSynth, monkeypatch) -> None:  # noqa: ANN001
    calls: list[int] = []
    monkeypatch.setattr(SpanPass, "capture", lambda self: calls.append(1) and False)
    passes = _passes()
    for frames in (100, 100, 120, 120):
        passes.get(synth, _shape(frames, frames * 320), spans=1)
    assert len(calls) == 1 and len(passes) == 0


def test_graphs_can_be_switched_off(monkeypatch) -> None:  # noqa: ANN001
    assert cuda_graphs.graphs_enabled()
    monkeypatch.setenv("AUTOVOICE_CUDA_GRAPHS", "0")
    assert not cuda_graphs.graphs_enabled()


def test_a_pass_reused_for_new_inputs_gives_a_fresh_pass_audio(synth: WindowedSynth) -> None:
    """A kept pass is called again with other audio, F0 and speaker: the result is a new pass's."""
    hop, sr = synth.model.hop_length, synth.model.sample_rate
    frames = 90
    kept = SpanPass(synth, _shape(frames, frames * hop))
    outs = []
    for k, speaker in enumerate(("alice", "bob")):
        wav = voiced_signal(sr, frames * hop / sr + 0.01, pause=None)[k * 7 : k * 7 + frames * hop]
        f0 = np.full(frames, 140.0 + 40 * k, np.float32)
        uv = np.ones(frames, np.float32)
        g = synth.speaker(speaker)
        kept.set_speaker(g)
        reused = kept(wav, f0, uv, None, torch.Generator().manual_seed(k)).clone()
        fresh = SpanPass(synth, _shape(frames, frames * hop))
        fresh.set_speaker(g)
        outs.append(fresh(wav, f0, uv, None, torch.Generator().manual_seed(k)))
        assert torch.equal(reused, outs[-1])
    assert not torch.equal(outs[0], outs[1])


def test_start_then_finish_is_one_call_and_needs_a_start(synth: WindowedSynth) -> None:
    """A live stream starts the content part, finds F0 meanwhile, then finishes: the audio of one call."""
    hop, sr = synth.model.hop_length, synth.model.sample_rate
    frames = 60
    wav = voiced_signal(sr, 1.5, pause=None)[: frames * hop]
    f0, uv = np.full(frames, 150.0, np.float32), np.ones(frames, np.float32)
    split = SpanPass(synth, _shape(frames, frames * hop))
    with pytest.raises(RuntimeError, match="without start"):
        split.finish(f0, uv, None, None)
    split.start(wav)
    whole = SpanPass(synth, _shape(frames, frames * hop))
    expected = whole(wav, f0, uv, None, torch.Generator().manual_seed(2))
    assert torch.equal(split.finish(f0, uv, None, torch.Generator().manual_seed(2)), expected)
