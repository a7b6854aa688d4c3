"""`python -m autovoice_desktop`: the window, or the CLI when the first argument is a CLI command.

`python -m autovoice_desktop` and `python -m autovoice_desktop song.wav` open the window;
`python -m autovoice_desktop convert …`, `--self-test` and `--version` run the command line.
"""

from __future__ import annotations

import sys

_CLI_FLAGS = {"--self-test", "--version"}


def wants_cli(argv: list[str]) -> bool:
    """True if argv (without the program name) is a command-line invocation rather than a window launch."""
    if not argv:
        return False
    if argv[0] in _CLI_FLAGS or any(arg == "--self-test" for arg in argv):
        return True
    if argv[0].startswith("-"):
        return False
    from autovoice_desktop.app.cli import command_names

    return argv[0] in command_names()


def _main() -> int:
    if wants_cli(sys.argv[1:]):
        from autovoice_desktop.app.cli import main as cli_main

        return cli_main()
    from autovoice_desktop.app.gui_main import main as gui_main

    return gui_main()


if __name__ == "__main__":
    sys.exit(_main())
