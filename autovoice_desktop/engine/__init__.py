"""Voice conversion: torch + numpy, no Qt. numpy arrays at the public edge."""
