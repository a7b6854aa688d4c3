"""Typed errors with messages a user understands, and the CLI exit code each one maps to.

Every error raised on purpose by AutoVoice is an `AutoVoiceError`. Its `str()` is one line that says what
happened; `hint` says what to do. The CLI prints `error: <message> (<hint>)` and exits with `exit_code`.

Exit codes (documented in README and docs/reliability.md):
    0  success
    1  unexpected internal error (a bug: the log has the trace)
    2  bad command line (argparse)
    3  input audio problem (missing, unreadable, empty, unsupported, truncated)
    4  output problem (exists, unwritable folder, disk full)
    5  voice model problem (not found, invalid, unsafe, unsupported, unknown speaker)
    6  device problem (audio device, CUDA)
    130 cancelled by the user
"""

from __future__ import annotations

from autovoice_desktop.core.text import one_line


class AutoVoiceError(Exception):
    """Base class: an expected failure with a user-facing message."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def user_message(self) -> str:
        """One line for the user: message plus what to do (control characters from names escaped)."""
        return one_line(f"{self.message} ({self.hint})" if self.hint else self.message)


# --- input audio -----------------------------------------------------------------------------------------
class AudioError(AutoVoiceError):
    """Input audio cannot be used."""

    exit_code = 3


class AudioFileNotFoundError(AudioError):
    """The input path does not exist or is not a regular file."""


class AudioPermissionError(AudioError):
    """The input file exists but cannot be read."""


class AudioFormatError(AudioError):
    """The file is not audio, or not a format libsndfile reads."""


class AudioEmptyError(AudioError):
    """The file holds no samples (or too few to process)."""


class AudioTruncatedError(AudioError):
    """The file's header promises more data than the file holds."""


class AudioContentError(AudioError):
    """The samples cannot be processed (NaN/Inf that cannot be repaired, no voiced frames when needed)."""


# --- output ----------------------------------------------------------------------------------------------
class OutputError(AutoVoiceError):
    """An output file cannot be written."""

    exit_code = 4


class OutputExistsError(OutputError):
    """The output exists and overwriting was not asked for."""


class OutputIsInputError(OutputError):
    """The output path is one of the inputs."""


class DiskFullError(OutputError):
    """No space left on the output's device."""


# --- voices / models -------------------------------------------------------------------------------------
class VoiceError(AutoVoiceError):
    """A voice cannot be found, imported or loaded."""

    exit_code = 5


class VoiceNotFoundError(VoiceError):
    """No voice with that name."""


class ModelFormatError(VoiceError):
    """The files are not a So-VITS-SVC 4.x voice (or use an option AutoVoice does not support)."""


class UnsafeCheckpointError(VoiceError):
    """The checkpoint was refused unread: it needs arbitrary code to load, or its sizes cannot be checked."""


class UnknownSpeakerError(VoiceError):
    """The voice has no speaker with that name or id."""


class EncoderMismatchError(VoiceError):
    """The content encoder's output width does not match the model's ssl_dim."""


class WeightsMissingError(VoiceError):
    """A needed weight file (content encoder, F0 model) is not available locally."""


class DownloadError(VoiceError):
    """A download failed (network, HTTP status, checksum)."""


# --- devices ---------------------------------------------------------------------------------------------
class DeviceError(AutoVoiceError):
    """An audio or compute device cannot be used."""

    exit_code = 6


class AudioDeviceError(DeviceError):
    """No such audio device, device busy, unsupported rate, device lost."""


class ComputeDeviceError(DeviceError):
    """The requested compute device (CUDA) is not usable."""


# --- flow ------------------------------------------------------------------------------------------------
class ConversionCancelled(AutoVoiceError):
    """The user cancelled a long operation."""

    exit_code = 130

    def __init__(self, message: str = "cancelled", hint: str | None = None) -> None:
        super().__init__(message, hint)
