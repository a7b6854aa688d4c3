"""AutoVoice Desktop: voice conversion with So-VITS-SVC and built-in WORLD voices."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("autovoice-desktop")
except _metadata.PackageNotFoundError:  # running from a source tree or a frozen build without metadata
    __version__ = "0.1.0"
