"""`autovoice-gui` with simulated sound devices, for screenshots on a machine without a sound card.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/gui_simulated_audio.py [autovoice-gui options]

Same options as `autovoice-gui` (e.g. `FILE --voice builtin/male-to-female --convert --theme light
--size 1280x800 --screenshot converted-light.png`). The `sounddevice` module is replaced by the test suite's
simulated one (tests/audio/fakes.py, see tools/live_screenshots.py), so the Record and Live cards list a
"Simulated microphone" and "Simulated speakers" instead of saying that no audio system was found.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_screenshots import simulated_sounddevice  # noqa: E402


def main() -> int:
    """Run the window."""
    os.environ.setdefault("AUTOVOICE_HOME", tempfile.mkdtemp(prefix="autovoice-shots-"))
    sys.modules["sounddevice"] = simulated_sounddevice()  # type: ignore[assignment]
    from autovoice_desktop.app.gui_main import main as gui_main

    return gui_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
