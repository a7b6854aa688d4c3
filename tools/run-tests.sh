#!/usr/bin/env bash
# Run the test suite the way CI does: offscreen Qt, a private PulseAudio server for the audio tests
# (started by the tests themselves, see tests/pulse.py), no hub access.
set -uo pipefail
VENV=${VENV:-.venv}
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# tests/conftest.py writes the test being run here, so a crash (abort, segfault) names its test last.
AUTOVOICE_TEST_CURRENT=$(mktemp)
export AUTOVOICE_TEST_CURRENT
"$VENV/bin/python" -m pytest -p no:cacheprovider "$@" tests
rc=$?
if [ "$rc" -gt 5 ]; then echo "pytest died (exit $rc) while running: $(cat "$AUTOVOICE_TEST_CURRENT")"; fi
rm -f "$AUTOVOICE_TEST_CURRENT"
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi
exit "$rc"
