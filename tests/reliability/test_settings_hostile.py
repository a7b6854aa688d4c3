"""Whatever is at the settings path, loading finishes in bounded time and memory and gives usable settings.

Not a regular file (FIFO, link to /dev/zero or /dev/urandom, a folder), too large, nested too deeply: moved
aside, defaults used, a message. Non-finite, out-of-range and unknown values: clamped or dropped with a log
line each (hypothesis over any TOML value). The window then starts with what was loaded.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.core import paths
from autovoice_desktop.core.settings import Settings, settings_from_dict
from autovoice_desktop.core.settings_guard import MAX_SEED, MAX_SETTINGS_BYTES, PITCH_MODES, clean_params
from autovoice_desktop.core.settings_store import load_settings
from autovoice_desktop.core.types import F0_METHODS, ConversionParams


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _dev_urandom(path: Path) -> None:
    path.symlink_to("/dev/urandom")


def _folder(path: Path) -> None:
    path.mkdir()


def _huge(path: Path) -> None:
    path.write_bytes(b"# padding\n" * (MAX_SETTINGS_BYTES // 10 + 10) + b'theme = "light"\n')


def _deeply_nested(path: Path) -> None:
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")


def _deep_tables(path: Path) -> None:
    path.write_text("a = " + "{b = " * 50_000 + "1" + "}" * 50_000 + "\n", encoding="utf-8")


UNUSABLE = {
    "fifo": _fifo,
    "link-to-dev-zero": _dev_zero,
    "link-to-dev-urandom": _dev_urandom,
    "folder": _folder,
    "huge-file": _huge,
    "deeply-nested-array": _deeply_nested,
    "deeply-nested-tables": _deep_tables,
}


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_unusable_settings_are_moved_aside(case: str) -> None:
    """Defaults, one message naming what was kept aside; the path is free for the next save."""
    path = paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    UNUSABLE[case](path)
    result = load_settings()
    assert result.settings == Settings()
    assert result.message and "Defaults are used" in result.message and "\n" not in result.message
    assert result.moved_to is not None and result.moved_to.name.startswith("settings.toml.bad-")
    assert not os.path.lexists(path)


def test_non_finite_and_out_of_range_values_are_clamped_or_dropped(caplog: pytest.LogCaptureFixture) -> None:
    """transpose 1e12, nan, inf, unknown modes, impossible devices, a huge seed: made usable and logged."""
    path = paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'schema_version = 1\ntheme = "neon"\n[params]\ntranspose = 1e12\nformant_shift = nan\n'
        'noise_scale = -inf\nbreathiness = inf\npitch_mode = "scream"\nf0_method = "magic"\n'
        f'device = "cuda:99999999999"\nseed = {2**63 - 1}\ntarget_median_f0 = 1e308\n'
        '[window]\ngeometry = "zz\u00e9"\nmain_splitter = [1, 99999999999]\n',
        encoding="utf-8",
    )
    result = load_settings()
    p = result.settings.params
    assert (p.transpose, p.formant_shift, p.noise_scale, p.breathiness) == (24.0, 0.0, 0.4, 1.0)
    assert (p.pitch_mode, p.f0_method, p.device, p.target_median_f0) == ("follow", None, "auto", None)
    assert p.seed == 2**63 - 1 and result.settings.theme == "dark"
    assert result.settings.window.geometry == "" and result.settings.window.main_splitter == (1, 100_000)
    for name in ("transpose", "formant_shift", "noise_scale", "pitch_mode", "f0_method", "device", "theme"):
        assert name in caplog.text, name
    assert result.message is None and path.exists()  # usable: kept, only the bad values were replaced


_ANY_TOML = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(-(2**70), 2**70).filter(lambda v: -(2**63) <= v < 2**63),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
    ),
    lambda children: st.lists(children, max_size=3),
    max_leaves=6,
)
_PARAM_KEYS = [
    "transpose", "formant_shift", "target_median_f0", "breathiness", "pitch_mode", "f0_method", "speaker",
    "noise_scale", "auto_predict_f0", "device", "half", "seed", "f0_curve", "unknown",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    params=st.dictionaries(st.sampled_from(_PARAM_KEYS), _ANY_TOML, max_size=8),
    top=st.dictionaries(
        st.sampled_from(["theme", "voice_id", "recent_files", "output_device", "convert_after_recording"]),
        _ANY_TOML,
        max_size=3,
    ),
    window=st.dictionaries(st.sampled_from(["geometry", "main_splitter", "plot_splitter"]), _ANY_TOML),
)
def test_any_values_give_usable_settings(
    params: dict[str, Any], top: dict[str, Any], window: dict[str, Any]
) -> None:
    """Any TOML values at any key: loading never fails and every parameter is in its range."""
    text = tomli_w.dumps({"schema_version": 1, **top, "params": params, "window": window})
    path = paths.settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result = load_settings()
    _assert_usable(result.settings)


def _assert_usable(s: Settings) -> None:
    p = s.params
    for value, low, high in (
        (p.transpose, -24, 24), (p.formant_shift, -12, 12), (p.noise_scale, 0, 1), (p.breathiness, 0.1, 10)
    ):  # fmt: skip
        assert isinstance(value, float) and math.isfinite(value) and low <= value <= high
    assert p.pitch_mode in PITCH_MODES and (p.f0_method is None or p.f0_method in F0_METHODS)
    assert p.seed is None or 0 <= p.seed <= MAX_SEED
    assert p.target_median_f0 is None or 50 <= p.target_median_f0 <= 1100
    assert p.f0_curve is None and isinstance(p.half, bool) and isinstance(p.auto_predict_f0, bool)
    assert p.device == "auto" or p.device == "cpu" or p.device.startswith("cuda")
    assert s.theme in ("dark", "light")
    assert all(isinstance(f, str) for f in s.recent_files)
    assert all(isinstance(v, int) and 0 <= v <= 100_000 for v in s.window.main_splitter)
    int(s.window.geometry or "0", 16)


def test_clean_params_keeps_good_values() -> None:
    """Values in range are kept exactly."""
    good = ConversionParams(transpose=-3.5, formant_shift=2, seed=7, device="cuda:1", pitch_mode="flat")
    assert clean_params(good) == good
    assert settings_from_dict({"params": {"transpose": 5}}).params.transpose == 5.0


@pytest.mark.parametrize("case", ["fifo", "link-to-dev-zero", "deeply-nested-array"])
def test_window_starts_with_defaults_after_unusable_settings(case: str, qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    """The window is built from what was loaded (as gui_main does) and shows the default parameters."""
    from tests.gui.harness import build

    path = tmp_path / "settings.toml"
    UNUSABLE[case](path)
    loaded = load_settings(path)
    parts = build(qtbot, path, loaded.settings)
    assert loaded.settings == Settings() and loaded.message and loaded.moved_to is not None
    assert parts.window.isVisible() and parts.window.voice_panel.voice_combo.count() > 0
    assert parts.window.voice_panel.params().device == "auto"
