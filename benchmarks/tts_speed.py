"""Text to speech speed: time to the first converted audio and throughput, TTS alone and TTS + a voice.

    python -m benchmarks.tts_speed --device cpu               # 2-core CPU, a built-in voice
    python -m benchmarks.tts_speed --device cuda --sovits DIR # GPU, a So-VITS-SVC voice folder
    python -m benchmarks.tts_speed --device cuda              # GPU, the random-weight bench voice (built)

Texts: a 10-word sentence and a 200-word paragraph (below). Engine and voice are loaded and warmed up
first (the window keeps them loaded; `autovoice say` pays the load once per call; both load times are
printed); then each text runs `--runs` times through `engine.tts.say.speak` (the CLI's and the window's path):
- `first_s`: from the call to the first piece of audio out (converted, for the chain rows);
- `x_rt`: seconds of speech made per second of wall time;
- `x_cpu`: seconds of speech per CPU-second of this process (all threads): on a shared, loaded machine the
  wall-clock figures drop with the load, this one much less; on an idle 2-core machine the wall-clock speed
  is at least this (two cores, and waiting threads use no CPU).
Best and median of the runs are printed, as Markdown rows for docs/benchmarks.md, and as JSON lines.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

SENTENCE = "The quick brown fox jumps over the lazy dog today."
PARAGRAPH = (
    "Every morning the small harbour town wakes up slowly, long before the first ferry arrives. Fishermen "
    "check their nets by lamplight, talking quietly about the weather and the price of fuel. A baker opens "
    "the shutters of her shop, and the smell of warm bread drifts along the narrow street towards the water. "
    "By seven o'clock, children walk to school in small groups, carrying bags that seem far too heavy for "
    "them. Their teacher, a patient man with a grey beard, waits at the gate and greets each of them by "
    "name. "
    "Later, the market square fills with stalls selling vegetables, cheese, flowers and second-hand books. "
    "Visitors arrive on the midday ferry, cameras ready, hoping to see the old lighthouse on the hill. Most "
    "of them climb the steep path, stop halfway to catch their breath, and then laugh at how tired they are. "
    "From the top, the view stretches across the bay to the distant islands, blue and silent in the haze. In "
    "the evening, when the last ferry has gone, the town becomes quiet again, and the lights come on one by "
    "one along the harbour wall, while the sea keeps moving gently and softly in the dark."
)


def _voice(args: argparse.Namespace) -> tuple[Any, Any, str]:
    """(voice, params, label) for the chain rows."""
    from dataclasses import replace

    from autovoice_desktop.engine.voices import find_voice, load_voice

    if args.device.startswith("cuda"):
        from autovoice_desktop.core.types import ConversionParams, VoiceInfo
        from autovoice_desktop.engine.sovits.voice import SovitsVoice

        folder = args.sovits
        if folder is None:
            from benchmarks.make_bench_model import make_bench_model

            folder = make_bench_model(Path("/tmp/avbench/model"))
        info = VoiceInfo("sovits/bench", "bench", "sovits", speakers=("bench",), path=str(folder))
        voice = SovitsVoice(
            info,
            folder / "G_0.pth",
            folder / "config.json",
            device=args.device,
            encoder_path=folder / "contentvec",
        )
        params = ConversionParams(speaker="bench", device=args.device, f0_method=args.f0_method)
        return voice, params, f"So-VITS-SVC bench voice (44.1 kHz, random weights), {args.device}"
    from autovoice_desktop.engine.tts.say import tts_params

    info = find_voice(args.voice)
    params = replace(info.defaults, device="cpu")
    if args.f0_method:
        params = replace(params, f0_method=args.f0_method)
    params = tts_params(info.kind, params, f0_method_chosen=bool(args.f0_method))  # as `autovoice say` does
    return load_voice(info, device="cpu"), params, f"{info.name} (f0 {params.f0_method or 'default'})"


def _run_once(tts: Any, text: str, voice: Any, params: Any) -> dict[str, float]:
    from autovoice_desktop.engine.tts.say import speak
    from autovoice_desktop.engine.tts.text import check_text, split_text

    start, cpu = time.perf_counter(), time.process_time()
    pieces = split_text(check_text(text))
    first = None
    speech = tts_s = 0.0
    for piece in speak(tts, pieces, voice=voice, params=params):
        if first is None:
            first = time.perf_counter() - start
        speech += piece.tts_audio_s
        tts_s += piece.tts_s
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "first_s": first or 0.0,
        "total_s": total,
        "speech_s": speech,
        "tts_s": tts_s,
        "cpu_s": cpu,
        "x_rt": speech / total,
        "x_cpu": speech / cpu,
        "pieces": len(pieces),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--voice", default="Pitch & Formant", help="built-in voice for the CPU rows")
    parser.add_argument("--sovits", type=Path, help="So-VITS-SVC folder: G_0.pth, config.json, contentvec/")
    parser.add_argument("--f0-method", help="F0 method (default: what `autovoice say` uses)")
    parser.add_argument("--tts-voice", help="TTS voice (default: the first installed)")
    parser.add_argument("--sessions", type=int, help="parallel TTS sessions (default: usable cores, ≤ 2)")
    parser.add_argument("--threads", type=int, help="onnxruntime threads per session (default: the app's)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("sentence", "paragraph"), help="run one text only")
    parser.add_argument("--json", type=Path, help="append the results here as JSON lines")
    parser.add_argument(
        "--exact-lengths", action="store_true", help="exact window and tile lengths (no buckets)"
    )
    args = parser.parse_args(argv)
    if args.exact_lengths:
        from benchmarks.new_length import set_buckets

        set_buckets(False)

    from autovoice_desktop.core.cpus import usable_cores
    from autovoice_desktop.engine.tts.piper_engine import PiperTts, find_tts_voice

    t0 = time.perf_counter()
    tts = PiperTts(
        find_tts_voice(args.tts_voice), sessions=args.sessions, threads=args.threads, device=args.device
    )
    load_tts = time.perf_counter() - t0
    t0 = time.perf_counter()
    voice, params, label = _voice(args)
    _run_once(tts, SENTENCE, voice, params)  # warm-up: first conversion loads models, JIT caches
    load_voice = time.perf_counter() - t0
    cores = usable_cores()
    print(
        f"# TTS {tts.info.name} ({tts.parallelism} sessions x {tts.threads} threads, {cores} usable cores; "
        f"load {load_tts:.2f} s); voice {label} (load + warm-up {load_voice:.2f} s); load avg "
        f"{os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(
        "| text | words | speech | pieces | TTS alone: × real time (per CPU-s) | + voice: first audio "
        "| + voice: × real time (per CPU-s) |"
    )
    print("|---|---|---|---|---|---|---|")
    texts = [("10-word sentence", SENTENCE), ("200-word paragraph", PARAGRAPH)]
    for name, text in [t for t in texts if args.only is None or t[0].endswith(args.only)]:
        tts_only = [_run_once(tts, text, None, params) for _ in range(args.runs)]
        chain = [_run_once(tts, text, voice, params) for _ in range(args.runs)]

        def best(rows: list[dict[str, float]], key: str) -> str:
            values = [r[key] for r in rows]
            return f"{max(values):.1f} (median {statistics.median(values):.1f})"

        firsts = [r["first_s"] for r in chain]
        print(
            f"| {name} | {len(text.split())} | {chain[0]['speech_s']:.1f} s | {chain[0]['pieces']} | "
            f"{best(tts_only, 'x_rt')}; {best(tts_only, 'x_cpu')} | "
            f"{min(firsts):.2f} s (median {statistics.median(firsts):.2f}) | "
            f"{best(chain, 'x_rt')}; {best(chain, 'x_cpu')} |",
            flush=True,
        )
        if args.json:
            record = {
                "text": name,
                "device": args.device,
                "voice": label,
                "tts": tts.info.name,
                "tts_only": tts_only,
                "chain": chain,
                "load_tts_s": load_tts,
                "load_voice_s": load_voice,
            }
            with args.json.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
