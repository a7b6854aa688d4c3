"""`python -m autovoice_desktop` opens the window; with a sub-command it runs the CLI."""

import sys


def _main() -> int:
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-") or "--self-test" in sys.argv:
        from autovoice_desktop.app.cli import main as cli_main

        return cli_main()
    from autovoice_desktop.app.gui_main import main as gui_main

    return gui_main()


if __name__ == "__main__":
    sys.exit(_main())
