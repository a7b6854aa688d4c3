"""pytest plugin: a private PulseAudio server (virtual microphone and speaker). PLACEHOLDER."""
