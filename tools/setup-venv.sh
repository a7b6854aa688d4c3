#!/usr/bin/env bash
# Create (or update) the project's virtual environment.
# - torch: on Linux x86_64 without an NVIDIA driver the CPU build 2.13.0 is installed first, so the project's
#   range (torch>=2.4,<2.15) is already satisfied and pip pulls no multi-GB CUDA build.
# - the [tts] extra (Piper, GPL-3.0) is installed for the tests only; the packaged build excludes it.
# - torchfcpe (the FCPE neural F0 estimator, weights in its wheel) is installed with --no-deps: it declares
#   torchaudio, whose only PyPI build is CUDA-linked and cannot load beside CPU torch. AutoVoice never needs
#   torchaudio (see README, "F0 methods").
# - every other package at the version in constraints.txt (the set CI tested) on the Python it was tested with.
set -euo pipefail
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
export PIP_DISABLE_PIP_VERSION_CHECK=1
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install -q -U "pip>=23,<27"  # the tested major version (26); not a future one
if ! "$PY" -c "import torch" 2>/dev/null; then
  if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && ! command -v nvidia-smi >/dev/null 2>&1; then
    "$PY" -m pip install -q "torch==2.13.0"
  fi
fi
# tts: the optional GPL text-to-speech engine, so the tests run the real one; packaging/bundle_data.py keeps
# it out of the bundle (docs/tts.md).
# constraints.txt: the tested versions of every dependency (tools/update-constraints.sh says how to move
# them); AUTOVOICE_UNPINNED=1 resolves pyproject.toml's ranges against today's releases instead.
CONSTRAINTS=()
if [ "${AUTOVOICE_UNPINNED:-0}" != "1" ] && [ -f constraints.txt ]; then
  CONSTRAINTS=(-c constraints.txt)
fi
"$PY" -m pip install -q ${CONSTRAINTS[@]+"${CONSTRAINTS[@]}"} -e ".[dev,packaging,tts]"
"$PY" -m pip install -q --no-deps "torchfcpe==0.0.4"
"$PY" - <<'PY'
import torch
print(f"torch {torch.__version__} (cuda: {torch.version.cuda})")
PY
