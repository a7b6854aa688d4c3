"""The encoders' relative-position attention against a plain float64 statement of the VITS formula.

The product runs q/k/v as one fused projection and the relative positions as strided views
(attentions.MultiHeadAttention); this checks it against the textbook definition written out here.
"""

from __future__ import annotations

import math

import pytest
import torch

from autovoice_desktop.engine.sovits.attentions import MultiHeadAttention

CHANNELS, HEADS = 16, 2


@torch.no_grad()
def _formula(attn: MultiHeadAttention, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """scores[i, j] = q_i . (k_j + Ek[j - i + W]) / sqrt(D) (the Ek term only for |j - i| <= W), softmax over
    j, out_i = sum_j p_ij (v_j + Ev[j - i + W]); x (B, C, T) float64 -> (B, C, T)."""
    b, _, t = x.shape
    h, d = attn.n_heads, attn.k_channels

    def project(conv: torch.nn.Conv1d) -> torch.Tensor:  # (B, H, T, D)
        y = torch.einsum("oc,bct->bot", conv.weight[:, :, 0].double(), x) + conv.bias.double()[None, :, None]
        return y.view(b, h, d, t).transpose(2, 3)

    q, k, v = project(attn.conv_q), project(attn.conv_k), project(attn.conv_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    rel_k = rel_v = torch.zeros(t, t, d, dtype=torch.float64)
    if attn.window_size is not None:
        w = attn.window_size
        offset = torch.arange(t)[None, :] - torch.arange(t)[:, None]  # j - i
        inside = (offset.abs() <= w)[..., None]
        rel_k = attn.emb_rel_k[0].double()[(offset + w).clamp(0, 2 * w)] * inside  # (T, T, D)
        rel_v = attn.emb_rel_v[0].double()[(offset + w).clamp(0, 2 * w)] * inside
        scores = scores + torch.einsum("bhid,ijd->bhij", q, rel_k) / math.sqrt(d)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, -1e4)
    p = torch.softmax(scores, dim=-1)
    out = p @ v + torch.einsum("bhij,ijd->bhid", p, rel_v)
    out = out.transpose(2, 3).reshape(b, h * d, t)
    return (
        torch.einsum("oc,bct->bot", attn.conv_o.weight[:, :, 0].double(), out)
        + attn.conv_o.bias.double()[None, :, None]
    )


def _attention(window: int | None) -> MultiHeadAttention:
    torch.manual_seed(3)
    attn = MultiHeadAttention(CHANNELS, CHANNELS, HEADS, window_size=window)
    with torch.no_grad():
        for parameter in attn.parameters():
            parameter.normal_(0.0, 0.3)
    return attn.eval()


@pytest.mark.parametrize("window", [4, None])
@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("frames", [1, 3, 5, 6, 9, 40])
def test_attention_matches_the_formula(window: int | None, batch: int, frames: int) -> None:
    attn = _attention(window)
    x = torch.randn(batch, CHANNELS, frames)
    mask = torch.ones(batch, 1, frames)
    mask[-1, :, frames // 2 + 1 :] = 0
    for attn_mask in (None, mask.unsqueeze(2) * mask.unsqueeze(-1)):
        with torch.inference_mode():
            got = attn(x, attn_mask)
        want = _formula(attn, x.double(), None if attn_mask is None else attn_mask.double())
        assert got.shape == (batch, CHANNELS, frames)
        assert torch.allclose(got.double(), want, rtol=0, atol=1e-5 * float(want.abs().max()))


def test_changed_weights_are_used_at_once() -> None:
    """The fused q/k/v projection follows an in-place change, a reload and a cast of the convolutions."""
    attn = _attention(4)
    x = torch.randn(1, CHANNELS, 12)
    with torch.inference_mode():
        before = attn(x, None)
    with torch.no_grad():
        attn.conv_k.weight.mul_(-1.5)
    with torch.inference_mode():
        changed = attn(x, None)
    assert not torch.allclose(before, changed)
    assert torch.allclose(changed.double(), _formula(attn, x.double(), None), atol=1e-5)
    fresh = _attention(4)
    attn.load_state_dict(fresh.state_dict())
    with torch.inference_mode():
        assert torch.allclose(attn(x, None), before)
        attn.double()
        assert torch.allclose(attn(x.double(), None), _formula(attn, x.double(), None), atol=1e-10)


def test_weights_cast_inside_inference_mode_work() -> None:
    """Weights that became inference tensors (a model cast or moved inside torch.inference_mode) have no
    version counter; the fused projection still follows them."""
    attn = _attention(4)
    x = torch.randn(1, CHANNELS, 7)
    with torch.inference_mode():
        attn.double()
        assert attn.conv_q.weight.is_inference()
        got = attn(x.double(), None)
    assert torch.allclose(got, _formula(attn, x.double(), None), atol=1e-10)
