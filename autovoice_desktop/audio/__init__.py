"""Audio files and devices: numpy + soundfile + sounddevice; no Qt, no torch."""
