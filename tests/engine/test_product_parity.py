"""Reference parity on the path users run: pipeline.convert (float32, every random draw zero).

* The golden reference outputs (so-vits-svc-fork 4.2.30 and original 4.1-Stable, tests/engine/sovits/data)
  come out of `pipeline.convert` for one window, given the golden content, F0, voicing and volume.
* A multi-window conversion stays close to the single-window one.
* Each model gets its own lineage's F0 gap fill.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from autovoice_desktop.engine.pitch import compute_f0
from autovoice_desktop.engine.sovits import SovitsModel
from autovoice_desktop.engine.sovits.pipeline import Analysis, PipelineOptions, analyse, convert
from autovoice_desktop.engine.sovits.windowed import WindowSettings
from tests.engine.sovits_helpers import snr_db, tiny_model_and_encoder, voiced_signal, zero_random_draws

GOLDEN = Path(__file__).parent / "sovits" / "data"


class GoldenContent:
    """Stands in for ContentVec: returns the golden content for the one window the file is."""

    def __init__(self, content: np.ndarray) -> None:
        self.content = torch.from_numpy(content.astype(np.float32))
        self.dim = content.shape[0]

    def encode_batch(self, wav_16k: torch.Tensor) -> torch.Tensor:
        assert wav_16k.shape[0] == 1  # one window
        return self.content[None]


@pytest.mark.parametrize(("folder", "style"), [("golden_fork_40", "4.0"), ("golden_41_vol", "4.1")])
@pytest.mark.parametrize("predict_f0", [False, True])
def test_golden_outputs_through_pipeline_convert(
    monkeypatch: pytest.MonkeyPatch, folder: str, style: str, predict_f0: bool
) -> None:
    zero_random_draws(monkeypatch)
    model = SovitsModel.load(GOLDEN / folder / "G_0_release_half.pth")
    assert model.config.style == style and model.dtype == torch.float32
    x = np.load(GOLDEN / folder / "inputs.npz")
    expected = np.load(GOLDEN / folder / "expected.npz")["predict_f0" if predict_f0 else "given_f0"]
    frames, hop = x["f0"].size, model.hop_length
    # loud everywhere: one piece over the whole file, no fades; the features are the golden ones
    audio = (0.3 * np.random.default_rng(0).standard_normal(frames * hop)).astype(np.float32)
    times = np.arange(frames) * hop / model.sample_rate
    f0, uv = x["f0"].astype(np.float32), x["uv"].astype(np.float32)
    volume = x["volume"].astype(np.float32) if model.vol_embedding else None
    features = Analysis(times, f0, uv, f0, uv, volume)
    opts = PipelineOptions(speaker="carol", noise_scale=0.4, auto_predict_f0=predict_f0)
    result = convert(
        model, GoldenContent(x["content"]), audio, model.sample_rate, opts,
        settings=WindowSettings(dec_tile_s=0.05), analysis=features,
    )  # fmt: skip
    assert result.audio.shape == expected.shape
    assert float(np.max(np.abs(result.audio - expected))) <= 1e-5


@pytest.fixture(scope="module")
def tiny_voice(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    return tiny_model_and_encoder(tmp_path_factory.mktemp("parity"))


def test_multi_window_conversion_matches_the_single_window_one(tiny_voice, monkeypatch) -> None:  # noqa: ANN001
    zero_random_draws(monkeypatch)
    model, encoder = tiny_voice
    audio = voiced_signal(model.sample_rate, 6.0, pause=(2.0, 2.3))
    opts = PipelineOptions(speaker="bob")
    one = convert(model, encoder, audio, model.sample_rate, opts, settings=WindowSettings(window_s=60))
    many = convert(
        model, encoder, audio, model.sample_rate, opts,
        settings=WindowSettings(window_s=1.5, context_s=0.4, dec_tile_s=0.5, max_batch_samples=2**14),
    )  # fmt: skip
    assert many.audio.shape == one.audio.shape and np.all(np.isfinite(many.audio))
    assert snr_db(one.audio, many.audio) > 25
    np.testing.assert_array_equal(one.pitch.target_f0, many.pitch.target_f0)


@pytest.mark.parametrize(("folder", "lineage"), [("golden_fork_40", "4.0"), ("golden_41_vol", "4.1")])
def test_each_model_fills_f0_gaps_its_own_way(folder: str, lineage: str) -> None:
    model = SovitsModel.load(GOLDEN / folder / "G_0_release_half.pth")
    audio = voiced_signal(model.sample_rate, 3.0)
    found = analyse(model, audio, PipelineOptions())
    hop = model.hop_length
    n = audio.size // hop
    own = compute_f0(audio, model.sample_rate, hop, n, lineage=lineage, segmented=True)[0]
    other = compute_f0(
        audio, model.sample_rate, hop, n, lineage="4.1" if lineage == "4.0" else "4.0", segmented=True
    )[0]
    np.testing.assert_array_equal(found.f0, own)
    assert not np.array_equal(found.f0, other)  # the pause is filled differently
