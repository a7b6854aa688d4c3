"""Entry script of the frozen AutoVoice executable: the same dispatch as `python -m autovoice_desktop`.

No arguments (or GUI options such as --quit-after) open the window; a sub-command or `--self-test` runs the
command line.
"""

from __future__ import annotations

import multiprocessing
import sys

from autovoice_desktop.__main__ import _main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen app that starts worker processes must call this first
    sys.exit(_main())
