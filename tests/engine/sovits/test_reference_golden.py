"""Golden outputs of the reference SynthesizerTrn (so-vits-svc-fork 4.2.30 and original 4.1-Stable).

data/golden_*/ hold a tiny random-weight release checkpoint (fp16, no enc_q, weight_g/weight_v names) saved by
the reference code itself, its config.json, the inputs, and the reference's `infer` output with every torch
random draw returning zero (benchmarks/sovits_parity.py has the full comparison). No reference code is here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch

from autovoice_desktop.engine.sovits import SovitsModel

DATA = Path(__file__).parent / "data"


def _zeros(*size: Any, **kw: Any) -> torch.Tensor:
    return torch.zeros(*size, **{k: v for k, v in kw.items() if k in ("dtype", "device")})


def _zeros_like(t: torch.Tensor, **kw: Any) -> torch.Tensor:
    return torch.zeros_like(t)


@pytest.mark.parametrize(("folder", "style"), [("golden_fork_40", "4.0"), ("golden_41_vol", "4.1")])
@pytest.mark.parametrize("predict_f0", [False, True])
def test_matches_reference_output(folder: str, style: str, predict_f0: bool) -> None:
    model = SovitsModel.load(DATA / folder / "G_0_release_half.pth")
    assert model.config.style == style
    x = np.load(DATA / folder / "inputs.npz")
    expected = np.load(DATA / folder / "expected.npz")["predict_f0" if predict_f0 else "given_f0"]
    volume = x["volume"] if model.vol_embedding else None
    patches = {name: _zeros for name in ("randn", "rand")} | {
        n: _zeros_like for n in ("randn_like", "rand_like")
    }
    with mock.patch.multiple(torch, **patches):
        wav = model.synthesize(
            x["content"],
            x["f0"],
            x["uv"],
            speaker="carol",
            noise_scale=0.4,
            auto_predict_f0=predict_f0,
            volume=volume,
        )
    assert wav.shape == expected.shape
    assert float(np.max(np.abs(wav - expected))) <= 1e-5
