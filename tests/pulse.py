"""pytest plugin: a private PulseAudio server with a virtual microphone and speaker. PLACEHOLDER (microphone work)."""
