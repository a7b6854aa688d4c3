"""The log file: in the platform log folder, rotating, never holding audio data or secrets."""

from __future__ import annotations

import http.server
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from autovoice_desktop.app import logging_setup
from autovoice_desktop.core import paths
from autovoice_desktop.core.errors import DownloadError
from autovoice_desktop.engine.download import download_file
from tests.reliability.corpus import AUDIO_CASES, tone, write_wav
from tests.reliability.helpers import BUILTIN_VOICE, run_cli

SECRET = "s3cr3t-Pa55w0rd"
#: 16 or more numbers in a row: what a logged sample array looks like.
_NUMBER_RUN = re.compile(r"(?:[-+]?\d*\.\d+(?:e[-+]?\d+)?[\s,;]+){16,}", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Each test configures logging; put the root logger back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def _log_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(paths.log_dir().glob("autovoice.log*")))


def test_log_file_is_in_the_platform_log_folder_and_has_no_audio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A debug conversion and a failing one: the log exists in log_dir(), is text, and holds no samples."""
    source = write_wav(tmp_path / "in.wav", tone())
    bad = next(c for c in AUDIO_CASES if c.name == "truncated-data").make(tmp_path)
    good_args = ["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(tmp_path / "o.wav"), "--debug"]
    assert run_cli(good_args, capsys).code == 0
    assert (
        run_cli(["convert", str(bad), "--voice", BUILTIN_VOICE, "-o", str(tmp_path / "p.wav")], capsys).code
        == 3
    )
    log_file = paths.log_dir() / logging_setup.LOG_FILE_NAME
    assert log_file.is_file()
    text = _log_text()
    assert "truncated" in text  # the failure is recorded, with its trace, for bug reports
    assert not _NUMBER_RUN.search(text), _NUMBER_RUN.search(text)
    assert len(text.encode("utf-8")) < 200_000
    assert source.read_bytes()[44:300] not in log_file.read_bytes()


def test_log_rotates_and_keeps_a_bounded_number_of_files() -> None:
    """Writing well past the size limit: the file rotates, every file stays under the limit, few backups."""
    path = logging_setup.configure(console=False)
    assert path is not None and path.parent == paths.log_dir()
    log = logging.getLogger("autovoice_desktop.test_rotation")
    line = "x" * 500
    for index in range(int(3.5 * logging_setup._MAX_BYTES / 500) * (logging_setup._BACKUPS + 1) // 3):
        log.info("%d %s", index, line)
    files = sorted(paths.log_dir().glob("autovoice.log*"))
    assert len(files) == logging_setup._BACKUPS + 1, files
    assert all(p.stat().st_size <= logging_setup._MAX_BYTES for p in files)


def test_unwritable_log_folder_does_not_stop_the_cli(
    tmp_path: Path, autovoice_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log folder cannot be created (a file is in the way): the CLI still converts."""
    autovoice_home.mkdir(parents=True, exist_ok=True)
    (autovoice_home / "logs").write_text("a file where the log folder should be", encoding="utf-8")
    source = write_wav(tmp_path / "in.wav", tone())
    result = run_cli(
        ["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(tmp_path / "o.wav")], capsys
    )
    assert result.code == 0, result.err
    assert (tmp_path / "o.wav").is_file()


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_error(404)

    def log_message(self, *_args: object) -> None:
        return None


@pytest.fixture
def not_found_server() -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 that answers 404 to everything."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_credentials_in_a_download_url_stay_out_of_messages_and_log(
    not_found_server: str, tmp_path: Path
) -> None:
    """A weights URL with user:password or a token: a failure neither shows nor logs the secret."""
    logging_setup.configure(console=False)
    url = f"http://user:{SECRET}@{not_found_server}/weights.bin?token={SECRET}"
    with pytest.raises(DownloadError) as info:
        download_file(url, tmp_path / "weights.bin", retries=0, timeout=10)
    logging.getLogger("autovoice_desktop.app.cli").info("command failed", exc_info=True)
    assert SECRET not in info.value.user_message()
    assert SECRET not in _log_text()


def test_environment_secrets_never_reach_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tokens in the environment (HF_TOKEN, a proxy password) are not written by a --debug run."""
    monkeypatch.setenv("HF_TOKEN", f"hf_{SECRET}")
    monkeypatch.setenv("HTTPS_PROXY", f"http://me:{SECRET}@127.0.0.1:9")
    source = write_wav(tmp_path / "in.wav", tone())
    run_cli(
        ["convert", str(source), "--voice", BUILTIN_VOICE, "-o", str(tmp_path / "o.wav"), "--debug"], capsys
    )
    run_cli(["voices", "--debug"], capsys)
    assert SECRET not in _log_text()
