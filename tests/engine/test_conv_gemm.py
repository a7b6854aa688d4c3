"""GemmConv1d (ContentVec's positional convolution as batched matrix products) equals the convolution."""

from __future__ import annotations

import pytest
import torch

from autovoice_desktop.engine import conv_gemm
from autovoice_desktop.engine.conv_gemm import GemmConv1d


@pytest.mark.parametrize(
    ("channels", "out", "kernel", "padding", "groups", "frames", "batch"),
    [
        (768, 768, 128, 64, 16, 499, 1),
        (96, 96, 40, 20, 16, 37, 3),
        (32, 48, 7, 3, 4, 20, 2),
        (6, 4, 5, 0, 1, 9, 1),
    ],
)
def test_matrix_products_equal_the_convolution(
    monkeypatch: pytest.MonkeyPatch, channels: int, out: int, kernel: int, padding: int, groups: int,
    frames: int, batch: int,
) -> None:  # fmt: skip
    torch.manual_seed(frames)
    conv = GemmConv1d(channels, out, kernel, padding=padding, groups=groups).eval()
    x = torch.randn(batch, channels, frames)
    with torch.no_grad():
        plain = conv(x)  # the CPU is not in GEMM_DEVICES: nn.Conv1d's own forward
        monkeypatch.setattr(conv_gemm, "GEMM_DEVICES", ("cuda", "cpu"))
        gemm = conv(x)
    assert gemm.shape == plain.shape == (batch, out, frames + 2 * padding - kernel + 1)
    assert float((gemm - plain).abs().max()) < 1e-5 * float(plain.abs().max())


def test_same_state_dict_keys_as_conv1d() -> None:
    assert set(GemmConv1d(8, 8, 3, groups=2).state_dict()) == set(
        torch.nn.Conv1d(8, 8, 3, groups=2).state_dict()
    )
