"""So-VITS-SVC 4.0/4.1 models: config, checkpoint loading, SynthesizerTrn, NSF-HiFi-GAN.

The stable entry point is `SovitsModel` (docs/api.md). Helpers for the conversion pipeline:
`load_config` / `SovitsConfig` (read a voice's config.json without loading weights), `f0_to_coarse`,
`SUPPORTED_ENCODERS` (encoder name -> feature width) and `check_encoder_dim`.
"""

from autovoice_desktop.engine.sovits.commons import F0_MAX, F0_MIN, f0_to_coarse
from autovoice_desktop.engine.sovits.config import (
    SUPPORTED_ENCODERS,
    SovitsConfig,
    check_encoder_dim,
    load_config,
    parse_config,
)
from autovoice_desktop.engine.sovits.model import SovitsModel

__all__ = [
    "F0_MAX",
    "F0_MIN",
    "SUPPORTED_ENCODERS",
    "SovitsConfig",
    "SovitsModel",
    "check_encoder_dim",
    "f0_to_coarse",
    "load_config",
    "parse_config",
]
