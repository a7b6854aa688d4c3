#!/usr/bin/env bash
# Device-machine driver (one H100): install the carried wheels once, build the benchmark voice and inputs, then
# run the side-by-side speed suite. Results go to $OUT (or /tmp/avbench/results, outside the repository).
#   bash benchmarks/gpu_run.sh [setup|speed|stream|all] [extra benchmarks.speed args...]
# speed: files end to end (benchmarks/speed.py); stream: per-block cost, the live engine at real time and the
# fork's realtime path (benchmarks/stream_speed.py).
# Carry: .whl (wheels: soundfile, cffi, pycparser, soxr, librosa, audioread, pooch, decorator, platformdirs,
# torchfcpe, local-attention, hyper-connections, torch-einops-utils; pyworld 0.3.5 sdist) and .bench/site
# (pure-Python so_vits_svc_fork 4.2.30, torchcrepe without its weights, cm_time, resampy).
set -uo pipefail
cd "$(dirname "$0")/.."
STAGE=${1:-all}; shift || true
OUTDIR=${OUT:-/tmp/avbench/results}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_VERBOSITY=error
MARK=/tmp/site/.done-$(ls .whl | md5sum | cut -c1-8)
if [ ! -f "$MARK" ]; then
  rm -rf /tmp/site
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl || exit 1
  python3 -m pip install -q --no-index --no-deps --no-build-isolation --no-compile --target /tmp/site \
    .whl/pyworld-0.3.5.tar.gz || exit 1
  if ! python3 -c "import pkg_resources" 2>/dev/null; then  # pyworld 0.3.5 imports it for its version only
    mkdir -p /tmp/site/pkg_resources
    printf 'class _D:\n    version = "0.3.5"\n\ndef get_distribution(name):\n    return _D()\n' \
      > /tmp/site/pkg_resources/__init__.py
  fi
  touch "$MARK"
fi
export PYTHONPATH=/tmp/site:$PWD/.bench/site:$PWD
python3 -c "import pyworld, soundfile, soxr, librosa, torchfcpe, torch, transformers
import so_vits_svc_fork.inference.core
print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(),
      'transformers', transformers.__version__, torch.cuda.get_device_name(0))" 2>&1 | grep -v Warn || exit 1
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
python3 -m benchmarks.make_bench_model --out /tmp/avbench/model 2>&1 | tail -1
python3 -c "
from pathlib import Path
from benchmarks.bench_common import make_input
for s in (10, 60, 600):
    p = Path(f'/tmp/avbench/in_{s}s.wav')
    p.exists() or make_input(s, p)
"
mkdir -p "$OUTDIR"
if [ "$STAGE" = speed ] || [ "$STAGE" = all ]; then
  python3 -m benchmarks.speed --device cuda --fork-python python3 --workdir /tmp/avbench --out-dir "$OUTDIR/speed" "$@"
fi
if [ "$STAGE" = stream ] || [ "$STAGE" = all ]; then
  S="python3 -m benchmarks.stream_speed"
  R="--out $OUTDIR/stream.jsonl"
  for b in 100 40; do $S blocks --device cuda --f0 fcpe --precision fp16 --block-ms $b --context-ms 400 $R; done
  $S live --device cuda --f0 fcpe --precision fp16 --block-ms 40 --seconds 60 $R
  $S fork-realtime --device cuda --seconds 60 $R
  $S live --device cuda --f0 fcpe --precision fp16 --block-ms 0 --seconds 30 $R
fi
