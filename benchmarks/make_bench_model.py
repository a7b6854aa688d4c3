"""Write the benchmark voice folder: config.json, G_0.pth and contentvec/ (random weights).

    python -m benchmarks.make_bench_model --out /tmp/avbench/model [--seed 1234]

G_0.pth is saved exactly as the reference saves checkpoints: {"model", "iteration", "optimizer",
"learning_rate"}, with the weight-norm parameters as the reference's modules hold them. It is built with
so-vits-svc-fork's own SynthesizerTrn when the fork is importable (the fork venv, or the GPU machine's
`.bench/site`), so both engines provably load one and the same file; otherwise with AutoVoice's SynthesizerTrn
(weights already folded, loadable by AutoVoice only). Speed does not depend on the weight values.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.bench_common import BENCH_CONFIG, make_contentvec


def _fork_net(seed: int):  # noqa: ANN202 - returns a torch module
    import torch
    from so_vits_svc_fork.modules.synthesizers import SynthesizerTrn

    torch.manual_seed(seed)
    data, model = BENCH_CONFIG["data"], BENCH_CONFIG["model"]
    return SynthesizerTrn(
        data["filter_length"] // 2 + 1,
        BENCH_CONFIG["train"]["segment_size"] // data["hop_length"],
        **model,
    )


def _autovoice_net(seed: int, config_path: Path):  # noqa: ANN202
    import torch

    from autovoice_desktop.engine.sovits.config import load_config
    from autovoice_desktop.engine.sovits.synthesizer import SynthesizerTrn

    torch.manual_seed(seed)
    return SynthesizerTrn(load_config(config_path))


def make_bench_model(out: Path, seed: int = 1234, force: bool = False) -> Path:
    """Create (or reuse) the benchmark voice folder; returns it. Records which builder made G_0.pth."""
    import torch

    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "config.json"
    config_path.write_text(json.dumps(BENCH_CONFIG, indent=2))
    ckpt = out / "G_0.pth"
    if force or not ckpt.exists():
        try:
            net, builder = _fork_net(seed), "so-vits-svc-fork SynthesizerTrn"
        except ImportError:
            net, builder = _autovoice_net(seed, config_path), "autovoice SynthesizerTrn"
        optimizer = torch.optim.AdamW(net.parameters(), BENCH_CONFIG["train"]["learning_rate"])
        torch.save(
            {
                "model": net.state_dict(),
                "iteration": 0,
                "optimizer": optimizer.state_dict(),
                "learning_rate": BENCH_CONFIG["train"]["learning_rate"],
            },
            ckpt,
        )
        (out / "BUILT_BY").write_text(builder + "\n")
    make_contentvec(out / "contentvec", seed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/avbench/model"))
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    folder = make_bench_model(args.out, args.seed, args.force)
    print(folder, (folder / "BUILT_BY").read_text().strip())


if __name__ == "__main__":
    main()
