"""NSF source and coarse F0: the time-last phase sum equals the reference's (B, N, H) arithmetic."""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import torch

from autovoice_desktop.engine.sovits.commons import f0_to_coarse
from autovoice_desktop.engine.sovits.nsf_hifigan import SineGen, SourceModuleHnNSF, SourcePhase


def _reference_layout_sines(f0: torch.Tensor, upp: int, rate: float) -> torch.Tensor:
    """The reference algorithm on its (B, N, H) layout, summing along the middle axis; no random draws."""
    f0_up = torch.nn.functional.interpolate(f0[:, None], scale_factor=float(upp), mode="nearest").transpose(
        1, 2
    )
    fn = f0_up * torch.arange(1, 10, dtype=torch.float32)
    rad = (fn / rate) % 1
    running = torch.cumsum(rad, 1) % 1
    wrapped = (running[:, 1:, :] - running[:, :-1, :]) < 0
    shift = torch.zeros_like(rad)
    shift[:, 1:, :] = wrapped * -1.0
    sines = torch.sin(torch.cumsum(rad + shift, dim=1) * 2 * math.pi) * 0.1
    uv = (f0_up > 0).float()
    return (sines * uv).transpose(1, 2)


def _zero_rng() -> mock._patch_dict:
    def zeros(*size: object, **kw: object) -> torch.Tensor:
        return torch.zeros(*size, device=kw.get("device"))

    return mock.patch.multiple(torch, rand=zeros, randn=zeros)


def _voiced_sines(gen: SineGen, f0: torch.Tensor, upp: int) -> torch.Tensor:
    sines, uv = gen.sines(f0, upp, SourcePhase())
    return sines * uv


def test_time_last_phase_matches_reference_layout_on_a_long_input() -> None:
    frames = 900  # 10.4 s at hop 512: enough wraps for drift to show if the arithmetic differed
    t = torch.arange(frames, dtype=torch.float32)
    f0 = (220 * 2 ** (torch.sin(t / 9) * 2) + 7 * torch.sin(t))[None]
    f0[:, 400:420] = 0
    with _zero_rng():
        ours = _voiced_sines(SineGen(44100), f0, 512)
    ref = _reference_layout_sines(f0, 512, 44100)
    assert ours.shape == (1, 9, frames * 512)
    assert float((ours - ref).abs().max()) < 1e-6


def test_sine_rate_is_the_model_argument_not_the_data_rate() -> None:
    f0 = torch.full((1, 50), 441.0)
    with _zero_rng():
        sine = _voiced_sines(SineGen(44100), f0, 320)[
            0, 0
        ].numpy()  # a 32 kHz/hop 320 model still uses 44100 here
    crossings = np.flatnonzero((sine[:-1] < 0) & (sine[1:] >= 0))
    assert np.allclose(np.diff(crossings), 100, atol=1)  # period = 44100 / 441 samples


def test_unvoiced_samples_get_noise_only() -> None:
    source = SourceModuleHnNSF(44100)
    with torch.no_grad():
        source.l_linear.weight.copy_(torch.tensor([[1.0] + [0.0] * 8]))
        source.l_linear.bias.zero_()
    f0 = torch.zeros(1, 40)
    with torch.no_grad():
        out = source(f0, 512, torch.Generator().manual_seed(0))
    assert abs(float(out.std()) - 0.1 / 3) < 0.002  # tanh of noise of std sine_amp / 3 (||w|| = 1)
    with _zero_rng(), torch.no_grad():
        assert float(source(f0, 512).abs().max()) == 0.0


def test_chunks_that_carry_the_phase_equal_one_pass() -> None:
    """The source over 7 chunks of a track with wraps and a gap equals one pass (random draws zeroed)."""
    frames = 300
    t = torch.arange(frames, dtype=torch.float32)
    f0 = (180 * 2 ** torch.sin(t / 7) + 3 * torch.sin(t))[None]
    f0[:, 100:130] = 0
    source = SourceModuleHnNSF(44100)
    with _zero_rng(), torch.no_grad():
        whole = source(f0, 512)
        phase = SourcePhase()
        bounds = [0, 1, 37, 99, 100, 180, 299, 300]
        parts = [source(f0[:, a:b], 512, phase=phase) for a, b in zip(bounds, bounds[1:], strict=False)]
    assert float((torch.cat(parts, dim=2) - whole).abs().max()) < 1e-6


def test_coarse_f0_bins() -> None:
    f0 = torch.tensor([0.0, 10.0, 50.0, 60.0, 220.0, 440.0, 1100.0, 1500.0])
    old = f0_to_coarse(f0, "4.0").tolist()
    new = f0_to_coarse(f0, "4.1").tolist()
    assert old[:3] == [1, 1, 1] and old[-2:] == [255, 255]
    assert 1 < old[3] < old[4] < old[5] < 255
    assert new[:-1] == old[:-1]
    assert new[-1] == 0  # the 4.1 code maps F0 above ~1.1 kHz to bin 0
    mel = 1127 * math.log(1 + 440 / 700)
    lo, hi = 1127 * math.log(1 + 50 / 700), 1127 * math.log(1 + 1100 / 700)
    assert old[5] == int((mel - lo) * 254 / (hi - lo) + 1 + 0.5)


def test_planar_cpu_decoder_equals_the_1d_layout(monkeypatch) -> None:  # noqa: ANN001
    """Height-1 channels_last convolutions on (B, C, 1, N) give the 1-D decoder's output (both paddings)."""
    from autovoice_desktop.engine.sovits import nsf_hifigan
    from autovoice_desktop.engine.sovits.nsf_hifigan import Generator

    torch.manual_seed(0)
    for style in ("4.0", "4.1"):
        gen = Generator(
            sampling_rate=44100, inter_channels=8, resblock="1", resblock_kernel_sizes=[3, 5],
            resblock_dilation_sizes=[[1, 3, 5], [1, 3, 5]], upsample_rates=[8, 4, 2],
            upsample_initial_channel=32, upsample_kernel_sizes=[16, 8, 4], gin_channels=8,
            padding_style=style,
        ).eval()  # fmt: skip
        x, har, g = torch.randn(2, 8, 30), torch.randn(2, 1, 30 * 64) * 0.1, torch.randn(2, 8, 1)
        with torch.no_grad():
            monkeypatch.setattr(nsf_hifigan, "PLANAR_DEVICES", ())
            flat = gen.decode(x, har, g)
            monkeypatch.setattr(nsf_hifigan, "PLANAR_DEVICES", ("cpu",))
            planar = gen.decode(x, har, g)
        assert planar.shape == flat.shape == (2, 1, 30 * 64)
        assert float((planar - flat).abs().max()) < 1e-5


def test_planar_weights_are_made_once_and_follow_a_changed_weight(monkeypatch) -> None:  # noqa: ANN001
    """The decoder's channels_last 2-D weights are kept between calls and remade when the weight changes."""
    from autovoice_desktop.engine.sovits import nsf_hifigan

    monkeypatch.setattr(nsf_hifigan, "PLANAR_DEVICES", ("cpu",))
    torch.manual_seed(1)
    conv = torch.nn.Conv1d(6, 4, 5, padding=2)
    x = torch.randn(1, 6, 1, 40).contiguous(memory_format=torch.channels_last)
    first = nsf_hifigan.planar_weight(conv)
    assert first.shape == (4, 6, 1, 5) and first.is_contiguous(memory_format=torch.channels_last)
    assert nsf_hifigan.planar_weight(conv) is first
    with torch.no_grad():
        conv.weight.mul_(-2.0)
        changed = nsf_hifigan.apply_conv(conv, x)
        flat = conv(x.squeeze(2))
    assert nsf_hifigan.planar_weight(conv) is not first
    assert torch.allclose(changed.squeeze(2), flat, atol=1e-6)
    with torch.inference_mode():  # weights cast inside inference mode have no version counter
        conv.double()
        assert conv.weight.is_inference()
        cast = nsf_hifigan.apply_conv(conv, x.double())
        assert torch.allclose(cast.squeeze(2), conv(x.double().squeeze(2)), atol=1e-12)


def test_blocked_running_sum_equals_one_scan(monkeypatch) -> None:  # noqa: ANN001
    """The GPU's blocked float64 running sum (run on the CPU here) gives torch.cumsum's sums, any length."""
    from autovoice_desktop.engine.sovits import nsf_hifigan

    monkeypatch.setattr(nsf_hifigan, "SCAN_DEVICES", ("cuda", "cpu"))
    monkeypatch.setattr(nsf_hifigan, "SCAN_BLOCK", 64)
    gen = torch.Generator().manual_seed(5)
    for n in (10, 64, 65, 1000, 4097):
        x = torch.rand(2, 9, n, generator=gen)
        got = nsf_hifigan.running_sum(x)
        want = torch.cumsum(x.double(), dim=-1)
        assert got.dtype == torch.float64 and got.shape == want.shape
        assert float((got - want).abs().max()) <= 1e-12 * max(1.0, float(want.abs().max()))
