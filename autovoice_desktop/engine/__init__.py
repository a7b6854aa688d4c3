"""Voice conversion: torch + numpy, no Qt. numpy arrays at the public edge."""

import warnings

# pyworld 0.3.5 imports pkg_resources only for its version string; setuptools < 81 (needed for that import)
# then warns at every start. The warning is about pyworld's code, not ours: keep the terminal quiet.
warnings.filterwarnings(
    "ignore", message="pkg_resources is deprecated", category=UserWarning, module="pyworld"
)
