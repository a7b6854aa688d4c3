"""Run a module with every package the bundle excludes hidden, as in the frozen build.

    python packaging/without_excluded.py -m autovoice_desktop --self-test

Catches a wrong entry in bundle_data.EXCLUDES in seconds, without a PyInstaller build: an excluded module
looks "not installed" (imports fail, find_spec and metadata see nothing), exactly as in dist/AutoVoice.
"""

from __future__ import annotations

import importlib.abc
import runpy
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_data  # noqa: E402


class _Hiding(importlib.abc.MetaPathFinder):
    """Wraps a meta-path finder so that it finds nothing for hidden module names."""

    def __init__(self, inner: Any, hidden: Sequence[str]) -> None:
        self.inner = inner
        self.hidden = tuple(hidden)

    def _is_hidden(self, name: str) -> bool:
        return any(name == h or name.startswith(h + ".") for h in self.hidden)

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        """None for hidden names, else what the wrapped finder finds."""
        return None if self._is_hidden(name) else self.inner.find_spec(name, path, target)

    def find_distributions(self, *args: Any, **kwargs: Any) -> Iterable[Any]:
        """The wrapped finder's distributions (metadata of excluded packages stays, as the hooks copy it)."""
        finder = getattr(self.inner, "find_distributions", None)
        return finder(*args, **kwargs) if finder else iter(())

    def invalidate_caches(self) -> None:
        """Forward to the wrapped finder."""
        invalidate = getattr(self.inner, "invalidate_caches", None)
        if invalidate:
            invalidate()


def hide_excluded() -> list[str]:
    """Install the hiding finders for bundle_data's exclusions; returns the hidden names."""
    hidden = list(bundle_data.EXCLUDES) + bundle_data.transformers_model_excludes()
    sys.meta_path[:] = [_Hiding(f, hidden) if hasattr(f, "find_spec") else f for f in sys.meta_path]
    for name in [n for n in sys.modules if any(n == h or n.startswith(h + ".") for h in hidden)]:
        del sys.modules[name]
    return hidden


def main(argv: list[str]) -> None:
    """`-m module args...`: run the module as __main__ with the exclusions hidden."""
    if len(argv) < 2 or argv[0] != "-m":
        raise SystemExit("usage: without_excluded.py -m MODULE [ARGS...]")
    hide_excluded()
    sys.path.insert(0, str(bundle_data.ROOT))  # as `python -m` from the repository root
    sys.argv = [argv[1], *argv[2:]]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
