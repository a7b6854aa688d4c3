"""Hypothesis: the config.json parser on arbitrary JSON raises only ModelFormatError-family errors."""

from __future__ import annotations

import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autovoice_desktop.core.errors import EncoderMismatchError, ModelFormatError
from autovoice_desktop.engine.sovits import SovitsConfig, load_config, parse_config
from tests.reliability.model_corpus import tiny_config

FUZZ = settings(
    max_examples=int(os.environ.get("AUTOVOICE_FUZZ_EXAMPLES", "100")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
#: What config problems may raise: the model-format family (an encoder mismatch is one of them).
ALLOWED = (ModelFormatError, EncoderMismatchError)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    # allow_subnormal=False: the engine sets flush-to-zero (torch.set_flush_denormal) for the whole process.
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


def _parse_only_format_errors(raw: Any) -> None:
    try:
        cfg = parse_config(raw)
    except ALLOWED as exc:
        assert "\n" not in exc.user_message()
        assert exc.exit_code == 5
    else:
        assert isinstance(cfg, SovitsConfig)
        assert cfg.sampling_rate > 0 and cfg.hop_length > 0 and cfg.ssl_dim > 0


@FUZZ
@given(raw=json_values)
def test_arbitrary_json(raw: Any) -> None:
    """Any JSON value at all."""
    _parse_only_format_errors(raw)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside a JSON object (for picking what to break)."""
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((*prefix, key))
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append((*prefix, index))
            out.extend(_paths(item, (*prefix, index)))
    return out


BASE = tiny_config()
BASE_PATHS = _paths(BASE)


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(BASE_PATHS), st.one_of(json_values, st.just("<delete>"))),
        min_size=1,
        max_size=4,
    )
)
def test_valid_config_with_values_replaced_or_deleted(edits: list[tuple[tuple[Any, ...], Any]]) -> None:
    """A valid config with a few keys set to random JSON or deleted: deep paths, not just the top."""
    raw = copy.deepcopy(BASE)
    for path, value in edits:
        parent: Any = raw
        try:
            for key in path[:-1]:
                parent = parent[key]
            if value == "<delete>":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced this path
    _parse_only_format_errors(raw)


@FUZZ
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_config_file_with_arbitrary_text(text: str) -> None:
    """load_config on a file holding any text (invalid JSON, BOMs, control characters)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(text, encoding="utf-8")
        try:
            load_config(path)
        except ALLOWED as exc:
            assert "\n" not in exc.user_message()


def test_the_base_config_is_valid() -> None:
    """The mutation seed parses, so the mutated cases start from a config that would load."""
    assert parse_config(json.loads(json.dumps(BASE))).ssl_dim == 256
