"""`autovoice download-weights`: download from a local server once, then offline; or register local files."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from autovoice_desktop.app.cli import main
from autovoice_desktop.engine import download


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server holding a (tiny, fake) content-vec-best folder."""
    root = tmp_path / "mirror"
    root.mkdir()
    (root / "config.json").write_text('{"model_type": "hubert"}')
    (root / "pytorch_model.bin").write_bytes(b"\x00" * 4096)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_downloads_once_then_works_offline(mirror: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert download.find_weights("content-vec-best") is None
    assert main(["download-weights", "--mirror", mirror]) == 0
    out = capsys.readouterr()
    assert "saved to" in out.out and "100%" in out.err
    found = download.find_weights("content-vec-best")
    assert found is not None and (found / "pytorch_model.bin").stat().st_size == 4096

    assert main(["download-weights", "--mirror", "http://127.0.0.1:9"]) == 0  # nothing is fetched again
    assert "already available" in capsys.readouterr().out


def test_no_server_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["download-weights", "--mirror", "http://127.0.0.1:9"]) == 5
    err = capsys.readouterr().err
    assert "cannot reach the download server" in err and "Traceback" not in err


def test_local_folder_is_registered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "my content vec"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"\x00")
    assert main(["download-weights", "--local", str(folder)]) == 0
    assert download.find_weights("content-vec-best") == folder.resolve()


def test_local_path_without_weights_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["download-weights", "--local", str(tmp_path)]) == 5
    assert "does not hold config.json" in capsys.readouterr().err
