"""AutoVoice Desktop: voice conversion with So-VITS-SVC and built-in WORLD voices."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("autovoice-desktop")
except _metadata.PackageNotFoundError:  # running from a source tree or a frozen build without metadata
    __version__ = "0.1.0"


def _choose_openmp_wait_policy() -> None:
    """Before torch loads: OpenMP threads sleep rather than spin on a busy machine (core/cpus.py)."""
    import contextlib

    from autovoice_desktop.core.cpus import choose_openmp_wait_policy

    with contextlib.suppress(Exception):  # a speed setting must never stop the program from starting
        choose_openmp_wait_policy()


_choose_openmp_wait_policy()
