#!/usr/bin/env bash
# Run the built bundle the way a user would, and fail if anything is wrong:
#   1. `AutoVoice --self-test` (offscreen): JSON report with "ok": true, exit 0;
#   2. the GUI starts offscreen and quits cleanly after a timer (`--quit-after 3000`), exit 0, with no file
#      and with the bundled sample opened;
#   3. `AutoVoice convert` converts a test recording with a built-in voice;
#   4. none of these wrote anything into the bundle folder or the working directory.
# Both run with a clean environment (no venv, no PYTHONPATH) and a fresh HOME, so the bundle proves it is
# self-contained and that its user folders are the platform ones (~/.config, ~/.local/share, ~/.cache).
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=${BUNDLE:-dist/AutoVoice}
EXE="$PWD/$BUNDLE/AutoVoice"
fail() { echo "smoke.sh: FAILED: $*" >&2; exit 1; }
[ -x "$EXE" ] || fail "$EXE does not exist (run: make dist)"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/cwd"
snapshot() { (cd "$BUNDLE" && find . -printf '%p %s %T@\n' | sort); }
snapshot > "$scratch/before.txt"

run_clean() {
  (cd "$scratch/cwd" && env -i PATH=/usr/bin:/bin HOME="$scratch/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$@")
}

start=$(date +%s)
set +e
run_clean timeout 600 "$EXE" --self-test > "$scratch/selftest.json" 2> "$scratch/selftest.err"
rc=$?
set -e
echo "self-test: exit $rc after $(($(date +%s) - start)) s"
tail -n 5 "$scratch/selftest.err" >&2
python3 - "$scratch/selftest.json" "$rc" <<'PY' || fail "self-test (report above)"
import json
import sys

path, rc = sys.argv[1], int(sys.argv[2])
try:
    report = json.load(open(path, encoding="utf-8"))
except ValueError as exc:
    print(open(path, encoding="utf-8").read()[-2000:])
    sys.exit(f"stdout is not a JSON report: {exc}")
for check in report["checks"]:
    mark = "ok  " if check["ok"] else "FAIL"
    print(f"  {mark} {check['name']:<34} {check['seconds']:6.2f} s  {check['error'] or ''}")
print(f"  device: {report['device']}, frozen: {report['frozen']}, version: {report['version']}")
print(f"  torch {report['versions'].get('torch')}, Qt {report['versions'].get('PySide6-Essentials')}")
if not report["frozen"]:
    sys.exit("the report says the program is not frozen")
if rc != 0 or not report["ok"]:
    sys.exit(f"exit code {rc}; failures: {report.get('failures')}")
PY
[ "$(uname -s)" != "Linux" ] || [ -d "$scratch/home/.cache/AutoVoice" ] || fail "the self-test did not use the user cache folder (~/.cache/AutoVoice)"

# The GUI twice: empty, and with the bundled sample opened (file loading, waveform and pitch plots).
SAMPLE="$PWD/$BUNDLE/_internal/resources/samples/sample_speech_en_m.wav"
for args in "" "$SAMPLE"; do
  start=$(date +%s)
  set +e
  # shellcheck disable=SC2086 # $args is empty or one path without spaces
  run_clean timeout 300 "$EXE" --quit-after 3000 $args > "$scratch/gui.out" 2>&1
  rc=$?
  set -e
  echo "GUI offscreen launch${args:+ with the sample}: exit $rc after $(($(date +%s) - start)) s"
  if [ "$rc" -ne 0 ]; then tail -n 40 "$scratch/gui.out" >&2; fail "the GUI did not start and quit cleanly (exit $rc)"; fi
  if grep -Eq "Traceback|QThread: Destroyed|Fatal|Segmentation|corrupted" "$scratch/gui.out"; then
    tail -n 40 "$scratch/gui.out" >&2; fail "the GUI printed an error while starting or quitting"
  fi
done

# The command line, as a user converts a file: a recording the bundle has never seen, 44.1 kHz singing.
INPUT="$PWD/tests/data/singing_en_m_vocadito-10.wav"
if [ -f "$INPUT" ]; then
  start=$(date +%s)
  run_clean timeout 300 "$EXE" convert "$INPUT" --voice "Male → Female" -o "$scratch/converted.wav" \
    > "$scratch/convert.out" 2>&1 || { tail -n 20 "$scratch/convert.out" >&2; fail "AutoVoice convert failed"; }
  [ -s "$scratch/converted.wav" ] || fail "AutoVoice convert wrote no file"
  echo "CLI convert (9 s of singing, Male → Female): ok after $(($(date +%s) - start)) s"
fi

snapshot > "$scratch/after.txt"
if ! diff -q "$scratch/before.txt" "$scratch/after.txt" > /dev/null; then
  diff "$scratch/before.txt" "$scratch/after.txt" | head -20 >&2
  fail "the program wrote into its own folder $BUNDLE"
fi
[ -z "$(ls -A "$scratch/cwd")" ] || fail "the program wrote into the working directory: $(ls -A "$scratch/cwd")"
echo "smoke test passed: self-test ok, GUI started and quit, CLI converted, nothing written next to the executable"
