#!/usr/bin/env bash
# Build the one-folder AutoVoice bundle (dist/AutoVoice/AutoVoice) and its archive
# (dist/AutoVoice-<version>-<os>-<arch>.tar.gz) from the project's virtual environment.
#
# Environment: VENV (default .venv), GZIP_LEVEL (default 6; CI uses 1), SKIP_ARCHIVE=1 to skip the tar.gz.
# Checks before the build: PyInstaller present, setuptools < 81 (pyworld imports pkg_resources), torchaudio's
# CUDA-linked extension not importable from the venv, PortAudio installed (its library is copied into the bundle).
# Checks after: the executable exists, no torchaudio file was bundled, every file of resources/ and models/ is
# in the bundle, the torchfcpe weights are in the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
GZIP_LEVEL=${GZIP_LEVEL:-6}
fail() { echo "build.sh: $*" >&2; exit 1; }

[ -x "$PY" ] || fail "no virtual environment at $VENV (run: make venv)"
"$PY" -c "import PyInstaller" 2>/dev/null || fail "PyInstaller is missing (pip install -e '.[packaging]')"
"$PY" - <<'PY' || fail "the build environment is not usable (see above)"
import importlib.metadata as md
import importlib.util
import pathlib
import sys

setuptools = md.version("setuptools")
if int(setuptools.split(".")[0]) >= 81:
    sys.exit(f"setuptools {setuptools} has no pkg_resources, which pyworld imports: pip install 'setuptools<81'")
spec = importlib.util.find_spec("torchaudio")
if spec is not None and spec.submodule_search_locations:
    libs = [p for loc in spec.submodule_search_locations for p in pathlib.Path(loc, "lib").glob("*.so")]
    if libs:
        sys.exit(f"torchaudio's CUDA-linked extension is installed ({libs[0]}); delete torchaudio/lib/*.so or "
                 "uninstall torchaudio, AutoVoice does not use it")
import torch  # noqa: E402

print(f"build env: python {sys.version.split()[0]}, torch {torch.__version__}, setuptools {setuptools}")
PY
if [ "$(uname -s)" = "Linux" ] && ! ldconfig -p 2>/dev/null | grep -q "libportaudio.so.2"; then
  fail "PortAudio is not installed (apt-get install libportaudio2); the bundle must carry libportaudio.so.2"
fi

VERSION=$("$PY" -c "import sys; sys.path.insert(0, 'packaging'); import bundle_data; print(bundle_data.project_version())")
OS=$(uname -s | tr '[:upper:]' '[:lower:]')
ARCH=$(uname -m)
BUNDLE=dist/AutoVoice
ARCHIVE="dist/AutoVoice-${VERSION}-${OS}-${ARCH}.tar.gz"

start=$(date +%s)
rm -rf "$BUNDLE" "$ARCHIVE"
"$PY" -m PyInstaller --noconfirm --log-level WARN \
  --workpath build/pyinstaller --distpath dist packaging/autovoice.spec
built=$(date +%s)

# --- checks on the result ------------------------------------------------------------------------------------
[ -x "$BUNDLE/AutoVoice" ] || fail "$BUNDLE/AutoVoice was not produced"
INTERNAL="$BUNDLE/_internal"
# (metadata only, *.dist-info, may be copied by the transformers hook; code or libraries must not be)
if [ -e "$INTERNAL/torchaudio" ] || find "$INTERNAL" -name "*torchaudio*" -not -path "*.dist-info*" -print -quit | grep -q .; then
  fail "torchaudio was bundled (its CUDA .so files cannot load beside CPU torch)"
fi
# Piper (GPL-3.0) is an optional extra: the MIT bundle must never carry it, its runtime or its voices.
if find "$INTERNAL" \( -name "piper" -o -name "espeakbridge*" -o -name "onnxruntime" -o -name "*piper_voice*" \) \
    -not -path "*.dist-info*" -print -quit | grep -q .; then
  fail "the optional text-to-speech engine (Piper, GPL-3.0) was bundled; it must stay out (docs/tts.md)"
fi
[ -x "$INTERNAL/torch/bin/torch_shm_manager" ] || fail "torch/bin/torch_shm_manager is missing (import torch needs it)"
ls "$INTERNAL"/torchfcpe/assets/*.pt > /dev/null 2>&1 || fail "the torchfcpe weights were not bundled"
missing=0
while IFS= read -r -d '' file; do
  case "$file" in */__pycache__/*|*/.gitkeep|*/.DS_Store) continue ;; esac
  if [ ! -f "$INTERNAL/$file" ]; then echo "not bundled: $file" >&2; missing=1; fi
done < <(find resources models -type f -print0)
[ "$missing" -eq 0 ] || fail "files of resources/ or models/ are missing from the bundle"

# Linux desktop integration travels inside the archive (see packaging/linux/INSTALL.md).
if [ "$OS" = "linux" ]; then
  cp packaging/linux/autovoice.desktop packaging/linux/install.sh packaging/linux/INSTALL.md "$BUNDLE/"
  cp resources/icons/autovoice-256.png "$BUNDLE/autovoice.png"
  chmod +x "$BUNDLE/install.sh"
fi

size=$(du -sh "$BUNDLE" | cut -f1)
files=$(find "$BUNDLE" -type f | wc -l)
echo "bundle: $BUNDLE ($size, $files files), PyInstaller took $((built - start)) s"

if [ "${SKIP_ARCHIVE:-0}" != "1" ]; then
  tar -C dist -cf - AutoVoice | gzip "-$GZIP_LEVEL" > "$ARCHIVE.part"
  mv "$ARCHIVE.part" "$ARCHIVE"
  echo "archive: $ARCHIVE ($(du -sh "$ARCHIVE" | cut -f1)), done after $(($(date +%s) - start)) s"
fi
