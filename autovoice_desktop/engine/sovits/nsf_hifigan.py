"""NSF-HiFi-GAN decoder (`dec.*`): a harmonic sine source driven by F0 plus a HiFi-GAN upsampler.

Matches the reference `Generator` / `SourceModuleHnNSF` / `SineGen` numerically, with one change in layout:
the cumulative phase is summed along the last axis of a (B, harmonics, N) tensor instead of the middle
axis of (B, N, harmonics). That scan is ~144x faster on a GPU (reference-speed.md); it repeats the reference's
wrap detection and float64 accumulation, so CPU results equal the reference's to float32 rounding.

Quirk kept on purpose: the sine source's sample rate is SynthesizerTrn's `sampling_rate` argument
(`model.sampling_rate` in config.json, default 44100), not `data.sampling_rate`.
Shapes: B batch, C channels, T frames, N = T * prod(upsample_rates) samples, G speaker width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from autovoice_desktop.engine.sovits.commons import LRELU_SLOPE, get_padding, weights_key

HARMONICS = 8  # overtones above F0: the source has 9 components
#: devices whose decoder keeps activations as (B, C, 1, N) channels_last (apply_conv): on the CPU half the
#: decoder's time went to oneDNN reorders; on an H200 (fp16) the same audio to the bit, 10 s files 2-3 ms and
#: 60 s files 8-15 ms faster (benchmarks/graph_check.py, docs/benchmarks.md)
PLANAR_DEVICES: tuple[str, ...] = ("cpu", "cuda")
SCAN_BLOCK = 4096  # samples per block of the blocked float64 running sum (0: one scan per row)
SCAN_DEVICES: tuple[str, ...] = ("cuda",)  # devices that scan in blocks; the CPU scans whole rows


def running_sum(x: torch.Tensor) -> torch.Tensor:
    """float64 cumulative sum along the last axis of (B, H, N).

    On SCAN_DEVICES in blocks: each block's own running sum, plus the sum of the block totals before it. A
    scan of a few long rows keeps a handful of a GPU's cores busy (4.9 ms for 9 x 2.6 M samples on an H200);
    blocks use all of them. The same float64 sums up to rounding order (~1e-16 relative; a GPU scan's order
    differs from the CPU's anyway).
    """
    n = x.shape[-1]
    if x.device.type not in SCAN_DEVICES or SCAN_BLOCK <= 0 or n <= SCAN_BLOCK:
        return torch.cumsum(x.double(), dim=-1)
    blocks = -(-n // SCAN_BLOCK)
    lead = x.shape[:-1]
    padded = F.pad(x.double(), (0, blocks * SCAN_BLOCK - n)).reshape(*lead, blocks, SCAN_BLOCK)
    inner = torch.cumsum(padded, dim=-1)
    del padded  # peak memory as one row scan's: input and output
    before = F.pad(torch.cumsum(inner[..., -1], dim=-1)[..., :-1], (1, 0))  # totals of the earlier blocks
    inner += before[..., None]
    return inner.reshape(*lead, blocks * SCAN_BLOCK)[..., :n]


@dataclass
class SourcePhase:
    """Running state of the harmonic source between chunks of one signal (per batch row and harmonic).

    sum_rad / sum_shifted: (B, H+1, 1) float64 running sums; last: (B, H+1, 1) float32 fractional phase of
    the previous sample (None before the first chunk, when the random initial phases are added); start:
    (B, H+1) those initial phases, uniform in [0, 1) with harmonic 0 at 0, drawn before the signal is
    synthesised (None: drawn from the generator by the first chunk, as the reference does).
    """

    sum_rad: torch.Tensor | None = None
    sum_shifted: torch.Tensor | None = None
    last: torch.Tensor | None = None
    start: torch.Tensor | None = None


class SineGen(nn.Module):
    """Harmonic sine source: F0 (B, T) -> sine excitation (B, H+1, N) and voicing (B, 1, N)."""

    def __init__(
        self,
        sampling_rate: float,
        harmonic_num: int = HARMONICS,
        sine_amp: float = 0.1,
        noise_std: float = 0.003,
    ) -> None:
        super().__init__()
        self.sampling_rate = sampling_rate
        self.harmonic_num = harmonic_num
        self.sine_amp = sine_amp
        self.noise_std = noise_std

    def sines(
        self, f0: torch.Tensor, upp: int, phase: SourcePhase, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """f0: (B, T) Hz -> (sines (B, H+1, N) float32 without noise, uv (B, 1, N)), N = T * upp.

        Continues the phase held in `phase` (updated in place), so consecutive chunks of one F0 track give
        the samples one call over the whole track gives. The reference's arithmetic: float32 increments,
        wraps found where the float32 running sum's fractional part decreases, a -1 added there, both sums
        accumulated in float64 along the last axis (as torch's CPU cumsum does for float32).
        """
        f0_up = f0.float().repeat_interleave(upp, dim=1)[:, None]  # (B, 1, N)
        harmonics = torch.arange(1, self.harmonic_num + 2, device=f0.device, dtype=torch.float32)
        rad = (f0_up * harmonics[None, :, None] / self.sampling_rate) % 1  # (B, H+1, N)
        if phase.last is None:
            rand_ini = phase.start
            if rand_ini is None:
                rand_ini = torch.rand(rad.shape[0], rad.shape[1], device=f0.device, generator=generator)
                rand_ini[:, 0] = 0
            rad[:, :, 0] = rad[:, :, 0] + rand_ini
        total = running_sum(rad)
        if phase.sum_rad is not None:
            total = total + phase.sum_rad
        running = total.float() % 1
        shift = torch.zeros_like(rad)
        shift[:, :, 1:] = (running[:, :, 1:] - running[:, :, :-1] < 0) * -1.0
        if phase.last is not None:
            shift[:, :, :1] = (running[:, :, :1] - phase.last < 0) * -1.0
        shifted = running_sum(rad + shift)
        if phase.sum_shifted is not None:
            shifted = shifted + phase.sum_shifted
        phase.sum_rad, phase.sum_shifted, phase.last = (
            total[:, :, -1:],
            shifted[:, :, -1:],
            running[:, :, -1:],
        )
        sines = torch.sin(shifted.float() * (2 * math.pi)) * self.sine_amp
        return sines, (f0_up > 0).float()


class SourceModuleHnNSF(nn.Module):
    """`dec.m_source`: harmonic sines merged with `l_linear` (H+1 -> 1), plus noise, then tanh."""

    def __init__(self, sampling_rate: float, harmonic_num: int = HARMONICS) -> None:
        super().__init__()
        self.l_sin_gen = SineGen(sampling_rate, harmonic_num)
        self.l_linear = nn.Linear(harmonic_num + 1, 1)

    def forward(
        self,
        f0: torch.Tensor,
        upp: int,
        generator: torch.Generator | None = None,
        phase: SourcePhase | None = None,
        noise: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """f0: (B, T) -> harmonic source (B, 1, T * upp) in the weights' dtype.

        Pass the same `phase` to consecutive chunks of one track to continue it (None: a fresh track).
        noise: (B, 1, T * upp) standard normal draws for these samples (None: drawn from the generator).
        Voiced samples get sine_amp * sin(phase) plus noise of std noise_std, unvoiced ones (F0 <= 0) noise
        of std sine_amp/3 instead. The reference draws that noise per harmonic and merges it with l_linear;
        the merged noise is one Gaussian per sample with std noise_amp * ||w||, drawn directly here (9x fewer
        draws, the same distribution; with every draw zero the two agree exactly).
        """
        gen = self.l_sin_gen
        sines, uv = gen.sines(f0, upp, phase if phase is not None else SourcePhase(), generator)
        weight, bias = self.l_linear.weight.float(), self.l_linear.bias.float()  # (1, H+1), (1,)
        noise_amp = uv * gen.noise_std + (1 - uv) * gen.sine_amp / 3  # (B, 1, N)
        if noise is None:
            noise = torch.randn(uv.shape, device=f0.device, generator=generator)
        merged = torch.einsum("bhn,oh->bon", sines * uv, weight) + bias[None, :, None]
        merged = merged + noise_amp * weight.norm() * noise
        return torch.tanh(merged).to(self.l_linear.weight.dtype)


def apply_conv(
    conv: nn.Conv1d | nn.ConvTranspose1d, x: torch.Tensor, keep: int | None = None
) -> torch.Tensor:
    """Run a 1-D convolution on (B, C, N), or as a height-1 2-D convolution on (B, C, 1, N).

    The 4-D form keeps channels_last activations between layers: oneDNN on the CPU otherwise reorders every
    1-D input to channels-last and back, about half the decoder's time. Same weights, same arithmetic.
    keep: zero the output from this sample on (see `zero_tail`).
    """
    if x.dim() == 3:
        return zero_tail(conv(x), keep)
    weight = planar_weight(conv)
    stride, padding, dilation = (1, conv.stride[0]), (0, conv.padding[0]), (1, conv.dilation[0])
    if isinstance(conv, nn.ConvTranspose1d):
        out_pad = (0, conv.output_padding[0])
        y = F.conv_transpose2d(x, weight, conv.bias, stride, padding, out_pad, conv.groups, dilation)
    else:
        y = F.conv2d(x, weight, conv.bias, stride, padding, dilation, conv.groups)
    return zero_tail(y, keep)


def planar_weight(conv: nn.Conv1d | nn.ConvTranspose1d) -> torch.Tensor:
    """The convolution's weight as a height-1 2-D kernel, (C_out, C_in, 1, K) (transposed: (C_in, C_out, 1,
    K)), in channels_last: made once per weight (a load, move or cast makes a new one). Given the weight in
    the default layout, cuDNN and oneDNN copied it to channels_last on every call (~100 copies per decoder
    pass)."""
    weight = conv.weight
    key = weights_key(weight)
    made: tuple[tuple, torch.Tensor] | None = getattr(conv, "_planar_weight", None)
    if made is None or made[0] != key:
        with torch.no_grad():
            made = (key, weight.unsqueeze(2).contiguous(memory_format=torch.channels_last))
        conv._planar_weight = made  # a plain attribute: not a parameter, not in the state dict
    return made[1]


def zero_tail(x: torch.Tensor, keep: int | None) -> torch.Tensor:
    """x (..., N) with samples [keep, N) set to zero, in place; unchanged when keep is None.

    A decoder input padded at its end to a fixed length gives exactly the unpadded result on its first
    `keep` samples when every convolution's input is zero beyond them: the padding then looks like the
    zero padding each convolution applies at a signal's end (`Generator.decode`'s `valid`).
    """
    if keep is not None and keep < x.shape[-1]:
        x[..., keep:] = 0
    return x


def dilated_convs(channels: int, kernel_size: int, dilations: Sequence[int]) -> nn.ModuleList:
    """One "same"-padded (B, C, N) -> (B, C, N) convolution per dilation, in order."""
    return nn.ModuleList(
        nn.Conv1d(channels, channels, kernel_size, 1, dilation=d, padding=get_padding(kernel_size, d))
        for d in dilations
    )


class ResBlock1(nn.Module):
    """HiFi-GAN residual block type "1": pairs of (dilated conv, conv) with leaky ReLU."""

    def __init__(self, channels: int, kernel_size: int, dilation: Sequence[int]) -> None:
        super().__init__()
        self.convs1 = dilated_convs(channels, kernel_size, dilation[:3])
        self.convs2 = dilated_convs(channels, kernel_size, [1] * len(dilation[:3]))

    def forward(self, x: torch.Tensor, keep: int | None = None) -> torch.Tensor:
        """(B, C, N) -> (B, C, N), or (B, C, 1, N) -> (B, C, 1, N) (see apply_conv; keep: see zero_tail)."""
        for c1, c2 in zip(self.convs1, self.convs2, strict=True):
            xt = apply_conv(c1, F.leaky_relu(x, LRELU_SLOPE), keep)
            xt = apply_conv(c2, F.leaky_relu(xt, LRELU_SLOPE), keep)
            x = xt + x
        return x


class ResBlock2(nn.Module):
    """HiFi-GAN residual block type "2": single dilated convs with leaky ReLU."""

    def __init__(self, channels: int, kernel_size: int, dilation: Sequence[int]) -> None:
        super().__init__()
        self.convs = dilated_convs(channels, kernel_size, dilation[:2])

    def forward(self, x: torch.Tensor, keep: int | None = None) -> torch.Tensor:
        """(B, C, N) -> (B, C, N), or (B, C, 1, N) -> (B, C, 1, N) (see apply_conv; keep: see zero_tail)."""
        for c in self.convs:
            x = apply_conv(c, F.leaky_relu(x, LRELU_SLOPE), keep) + x
        return x


class Generator(nn.Module):
    """`dec`: NSF-HiFi-GAN. Latent z (B, inter, T) + speaker g + F0 -> waveform (B, 1, N) in [-1, 1].

    `padding_style` "4.0" uses (k - u) // 2 for the upsampling convolutions (4.0 and so-vits-svc-fork),
    "4.1" uses (k - u + 1) // 2 as the 4.1 code does; they differ only when k - u is odd.
    """

    def __init__(
        self,
        *,
        sampling_rate: float,
        inter_channels: int,
        resblock: str,
        resblock_kernel_sizes: Sequence[int],
        resblock_dilation_sizes: Sequence[Sequence[int]],
        upsample_rates: Sequence[int],
        upsample_initial_channel: int,
        upsample_kernel_sizes: Sequence[int],
        gin_channels: int,
        padding_style: str = "4.0",
    ) -> None:
        super().__init__()
        self.num_kernels = len(resblock_kernel_sizes)
        self.num_upsamples = len(upsample_rates)
        self.upp = math.prod(upsample_rates)
        odd_fix = 1 if padding_style == "4.1" else 0
        self.m_source = SourceModuleHnNSF(sampling_rate, HARMONICS)
        self.conv_pre = nn.Conv1d(inter_channels, upsample_initial_channel, 7, 1, padding=3)
        self.ups = nn.ModuleList()
        self.noise_convs = nn.ModuleList()
        for i, (u, k) in enumerate(zip(upsample_rates, upsample_kernel_sizes, strict=True)):
            c_in = upsample_initial_channel // (2**i)
            c_cur = upsample_initial_channel // (2 ** (i + 1))
            self.ups.append(nn.ConvTranspose1d(c_in, c_cur, k, u, padding=(k - u + odd_fix) // 2))
            if i + 1 < len(upsample_rates):
                stride_f0 = math.prod(upsample_rates[i + 1 :])
                self.noise_convs.append(
                    nn.Conv1d(1, c_cur, stride_f0 * 2, stride=stride_f0, padding=(stride_f0 + odd_fix) // 2)
                )
            else:
                self.noise_convs.append(nn.Conv1d(1, c_cur, kernel_size=1))
        block = ResBlock1 if str(resblock) == "1" else ResBlock2
        self.resblocks = nn.ModuleList()
        ch = upsample_initial_channel
        for i in range(self.num_upsamples):
            ch = upsample_initial_channel // (2 ** (i + 1))
            for k, d in zip(resblock_kernel_sizes, resblock_dilation_sizes, strict=True):
                self.resblocks.append(block(ch, k, d))
        self.conv_post = nn.Conv1d(ch, 1, 7, 1, padding=3)
        self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def forward(
        self, x: torch.Tensor, f0: torch.Tensor, g: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """x: (B, inter, T); f0: (B, T) Hz; g: (B, G, 1) -> waveform (B, 1, T * upp)."""
        return self.decode(x, self.m_source(f0, self.upp, generator), g)

    def decode(
        self, x: torch.Tensor, harmonic_source: torch.Tensor, g: torch.Tensor, valid: int | None = None
    ) -> torch.Tensor:
        """The upsampler with the harmonic source given.

        x: (B, inter, T); harmonic_source: (B, 1, T * upp) from `m_source`; g: (B, G, 1) -> (B, 1, T * upp).
        Purely convolutional (receptive field about 12 frames), so it can run over overlapping tiles. On the
        PLANAR_DEVICES the activations are kept as (B, C, 1, N) channels_last (see apply_conv).
        valid: the frames that are signal; x and harmonic_source are zero after them (padding to a length
        whose kernels exist already). The first valid * upp samples then equal an unpadded call's.
        """
        planar = x.device.type in PLANAR_DEVICES
        if planar:
            x, g = x.unsqueeze(2), g.unsqueeze(2)
            harmonic_source = harmonic_source.unsqueeze(2).contiguous(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        keep = valid
        x = zero_tail(apply_conv(self.conv_pre, x) + apply_conv(self.cond, g), keep)
        for i in range(self.num_upsamples):
            keep = None if keep is None else keep * self.ups[i].stride[0]
            x = apply_conv(self.ups[i], F.leaky_relu(x, LRELU_SLOPE), keep)
            x = zero_tail(x + apply_conv(self.noise_convs[i], harmonic_source), keep)
            xs = self.resblocks[i * self.num_kernels](x, keep)
            for j in range(1, self.num_kernels):
                xs = xs + self.resblocks[i * self.num_kernels + j](x, keep)
            x = xs / self.num_kernels
        x = torch.tanh(apply_conv(self.conv_post, F.leaky_relu(x)))
        return x.squeeze(2).contiguous() if planar else x
