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


@pytest.mark.parametrize(("batch", "bias"), [(1, True), (1, False), (3, True), (3, False)])
def test_kernel_one_convolution_as_a_matrix_product(
    monkeypatch: pytest.MonkeyPatch, batch: int, bias: bool
) -> None:
    """PointwiseConv1d on GEMM_DEVICES (here the CPU) equals nn.Conv1d, also on a channel slice (the flow's
    split halves are views)."""
    torch.manual_seed(batch)
    conv = conv_gemm.PointwiseConv1d(12, 20, 1, bias=bias).eval()
    x = torch.randn(batch, 24, 37)[:, 6:18]  # a non-contiguous view, as torch.split gives
    with torch.no_grad():
        plain = conv(x)
        monkeypatch.setattr(conv_gemm, "GEMM_DEVICES", ("cuda", "cpu"))
        gemm = conv(x)
    assert gemm.shape == plain.shape == (batch, 20, 37)
    torch.testing.assert_close(gemm, plain, rtol=1e-5, atol=1e-6)


def test_pointwise_falls_back_to_the_convolution_for_other_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conv_gemm, "GEMM_DEVICES", ("cuda", "cpu"))
    conv = conv_gemm.PointwiseConv1d(4, 4, 3, padding=1).eval()
    x = torch.randn(2, 4, 9)
    with torch.no_grad():
        torch.testing.assert_close(conv(x), torch.nn.functional.conv1d(x, conv.weight, conv.bias, padding=1))
    assert set(conv.state_dict()) == set(torch.nn.Conv1d(4, 4, 1).state_dict())


@pytest.mark.parametrize("predict_f0", [False, True])
def test_the_latent_through_matrix_products_equals_the_convolutions(
    monkeypatch: pytest.MonkeyPatch, predict_f0: bool
) -> None:
    """The prior encoder and flow (attention projections, WaveNet skips, pre/post) with the kernel-1 layers as
    matrix products give the same latent as with cuDNN/oneDNN convolutions."""
    from autovoice_desktop.engine.sovits import parse_config
    from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn
    from tests.engine.sovits_helpers import tiny_config

    torch.manual_seed(0)
    net = SynthesizerTrn(parse_config(tiny_config())).eval()
    frames = 41
    units = torch.randn(2, 256, frames)
    f0 = torch.full((2, frames), 180.0)
    uv = torch.ones(2, frames)
    g = net.speaker_embedding(torch.tensor([1]))
    eps = torch.randn(2, net.cfg.inter_channels, frames)

    def latent() -> torch.Tensor:
        with torch.no_grad():
            return net.latent(units, f0, uv, g, 0.4, predict_f0, None, eps=eps)[0]

    plain = latent()
    monkeypatch.setattr(conv_gemm, "GEMM_DEVICES", ("cuda", "cpu"))
    torch.testing.assert_close(latent(), plain, rtol=1e-5, atol=1e-5)
