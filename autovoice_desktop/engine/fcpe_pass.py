"""FCPE pitch for one fixed input length without host waits, so it can run as a CUDA graph.

torchfcpe's `infer` checks the audio range on the host (two `torch.min/max` prints) and masks with boolean
index writes; both wait for the GPU and end a graph capture. `FcpePass` runs the same arithmetic on the
bundled model's own modules and buffers, in the same order, with those steps as tensor operations:
* mel: reflect-padded STFT (torchfcpe's `MelModule` at key shift 0, speed 1, not centred), magnitude,
  `mel_basis`, log with a floor, frame count fixed to N // hop + 1 as `Wav2MelModule` does;
* the network (`CFNaiveMelPE.forward`), then the local-argmax decoder: the 9 bins around the peak averaged
  in cents, frames whose peak is at most `threshold` marked unvoiced (F0 0).
tests/engine/test_fcpe_pass.py checks it against torchfcpe's `infer` on real recordings.

`fcpe_f0` is what engine/pitch.py calls: on CUDA through a `GraphCache` (a length is captured the second time
it is analysed, e.g. every block of a live stream, or a file converted again). Shapes: L samples at 16 kHz,
T = L // 160 + 1 frames.
"""

from __future__ import annotations

import threading
from typing import Any

import torch
from torch.nn import functional as F

from autovoice_desktop.engine.cuda_graphs import GraphCache, capture_graph

KEPT_GRAPHS = 4  # FCPE lengths kept as graphs (a few MB each for live windows)
#: longer inputs always run eagerly: on an H200 a 60 s file converted with FCPE as a graph took 137-145 ms
#: against 117-121 ms eager, and its capture cost ~150 ms (benchmarks/graph_check.py, docs/benchmarks.md)
MAX_GRAPH_SAMPLES = 16000 * 30


class FcpePass:
    """16 kHz audio (L,) -> F0 (T,) in Hz, 0 where unvoiced, for one fixed L; static buffers, capturable."""

    def __init__(self, infer_model: Any, length: int, threshold: float) -> None:
        self.infer_model = infer_model  # torchfcpe's InferCFNaiveMelPE
        self.threshold = threshold
        device = infer_model.tensor_device_marker.device
        self.wav = torch.zeros(length, device=device)
        mel = infer_model.wav2mel.mel_extractor
        self.window = torch.hann_window(mel.win_size).to(device)  # made on the CPU, as torchfcpe does
        self._graph: torch.cuda.CUDAGraph | None = None
        self._out: torch.Tensor | None = None
        self.lock = threading.Lock()  # a kept pass may be asked for by two threads (a live stream, a file)

    def capture(self) -> bool:
        """Capture as a CUDA graph (CUDA only); True on success."""
        if self.wav.device.type == "cuda":
            self._graph, self._out = capture_graph(self._run, self.wav.device)
        return self._graph is not None

    def __call__(self, wav: torch.Tensor) -> torch.Tensor:
        """wav (L,) float32 -> F0 (T,) float32 on the device, valid until the next call."""
        self.wav.copy_(wav.reshape(-1))
        if self._graph is not None and self._out is not None:
            with torch.cuda.device(self.wav.device):
                self._graph.replay()
            return self._out
        return self._run()

    @torch.inference_mode()
    def _run(self) -> torch.Tensor:
        model = self.infer_model.model
        latent = model(self._mel()[None])  # (1, T, bins)
        return self._decode(latent[0], model.cent_table, model.out_dims)

    def _mel(self) -> torch.Tensor:
        """(T, n_mels) log mel spectrogram of the static audio buffer."""
        wav2mel = self.infer_model.wav2mel
        mel = wav2mel.mel_extractor
        win, hop, length = mel.win_size, mel.hop_length, self.wav.numel()
        pad_left = (win - hop) // 2
        pad_right = max((win - hop + 1) // 2, win - length - pad_left)
        mode = "reflect" if pad_right < length else "constant"
        y = F.pad(self.wav[None, None], (pad_left, pad_right), mode=mode)[:, 0]
        spec = torch.stft(
            y, mel.n_fft, hop_length=hop, win_length=win, window=self.window, center=False,
            pad_mode="reflect", normalized=False, onesided=True, return_complex=True,
        )  # fmt: skip
        spec = torch.sqrt(spec.real.pow(2) + spec.imag.pow(2) + 1e-9)
        spec = torch.log(torch.clamp(torch.matmul(mel.mel_basis, spec), min=mel.clip_val))
        spec = spec.transpose(-1, -2)[0]  # (T', n_mels)
        frames = length // wav2mel.hop_size + 1
        if frames > spec.shape[0]:
            spec = torch.cat((spec, spec[-1:]), 0)
        return spec[:frames]

    def _decode(self, latent: torch.Tensor, cent_table: torch.Tensor, bins: int) -> torch.Tensor:
        """latent (T, bins) -> F0 (T,): local argmax in cents, unvoiced where the peak <= threshold."""
        confident, peak = torch.max(latent, dim=-1, keepdim=True)
        index = (torch.arange(9, device=latent.device) + (peak - 4)).clamp(0, bins - 1)
        cents_near = torch.gather(cent_table[None].expand(latent.shape[0], -1), -1, index)
        weights = torch.gather(latent, -1, index)
        cents = torch.sum(cents_near * weights, dim=-1, keepdim=True) / torch.sum(
            weights, dim=-1, keepdim=True
        )
        mask = torch.where(confident <= self.threshold, float("-inf"), 1.0)
        return (10.0 * 2 ** (cents * mask / 1200.0))[:, 0]


_graphs: GraphCache[FcpePass] = GraphCache(KEPT_GRAPHS)


def fcpe_f0(infer_model: Any, wav: torch.Tensor, threshold: float) -> torch.Tensor:
    """F0 (T,) in Hz (0 unvoiced) of 16 kHz audio wav (L,) on the model's device, by `FcpePass`."""
    length = int(wav.numel())
    key = (id(infer_model), length, threshold)
    capture = wav.device.type == "cuda" and length <= MAX_GRAPH_SAMPLES
    fcpe = _graphs.get(key, lambda: FcpePass(infer_model, length, threshold), capture)
    with fcpe.lock:  # its static buffers hold one call at a time
        return fcpe(wav).clone()


def release_fcpe_graphs() -> None:
    """Drop the captured FCPE passes (with the FCPE models)."""
    _graphs.clear()
