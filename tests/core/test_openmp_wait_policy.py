"""core.cpus.choose_openmp_wait_policy: OpenMP threads sleep instead of spin when others hold our cores."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from autovoice_desktop.core import cpus


@pytest.fixture
def before_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """As at start-up: torch not imported yet (nothing in these tests imports it)."""
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(cpus, "usable_cores", lambda: 2)


@pytest.mark.parametrize(("load", "expected"), [(0.0, None), (0.3, None), (0.6, "PASSIVE"), (1.0, "PASSIVE")])
def test_passive_only_when_others_keep_our_cores_busy(
    before_torch: None, monkeypatch: pytest.MonkeyPatch, load: float, expected: str | None
) -> None:
    monkeypatch.setattr(cpus, "others_load", lambda sample_s: load)
    env: dict[str, str] = {}
    assert cpus.choose_openmp_wait_policy(env) == expected
    assert env.get("OMP_WAIT_POLICY") == expected
    assert ("passive" if expected else "spinning") in cpus.openmp_policy_note


def test_cores_the_engine_leaves_free_may_be_busy(
    before_torch: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 CPUs: the engine uses 8 threads, so 7 busy CPUs elsewhere do not touch its cores; 9 do."""
    monkeypatch.setattr(cpus, "usable_cores", lambda: 16)
    for load, expected in ((7.0, None), (9.0, "PASSIVE")):
        monkeypatch.setattr(cpus, "others_load", lambda sample_s, value=load: value)
        assert cpus.choose_openmp_wait_policy({}) == expected


@pytest.mark.parametrize("name", ["OMP_WAIT_POLICY", "GOMP_SPINCOUNT"])
def test_the_users_setting_wins(before_torch: None, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(cpus, "others_load", lambda sample_s: 2.0)
    env = {name: "ACTIVE"}
    assert cpus.choose_openmp_wait_policy(env) is None
    assert env == {name: "ACTIVE"}


def test_too_late_once_torch_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch  # noqa: F401 - loaded, as in a program that imports torch before autovoice_desktop

    monkeypatch.setattr(cpus, "others_load", lambda sample_s: 2.0)
    env: dict[str, str] = {}
    assert cpus.choose_openmp_wait_policy(env) is None
    assert env == {}
    assert "torch was imported first" in cpus.openmp_policy_note


def test_unreadable_load_changes_nothing(before_torch: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpus, "others_load", lambda sample_s: None)
    env: dict[str, str] = {}
    assert cpus.choose_openmp_wait_policy(env) is None
    assert env == {}


def test_importing_the_package_on_a_busy_machine_sets_passive_before_torch() -> None:
    """The product path: a process whose first import is autovoice_desktop, with one busy loop per usable
    CPU (so the machine is busy whatever its size), gets PASSIVE before torch is imported."""
    loop = "import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass"
    burners = [subprocess.Popen([sys.executable, "-c", loop]) for _ in range(len(os.sched_getaffinity(0)))]
    probe = textwrap.dedent(
        """
        import os, sys
        import autovoice_desktop
        from autovoice_desktop.core import cpus
        print(os.environ.get("OMP_WAIT_POLICY"), "torch" in sys.modules, cpus.openmp_policy_note)
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    try:
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120, check=True
        ).stdout
    finally:
        for burner in burners:
            burner.kill()
            burner.wait(timeout=10)
    policy, torch_loaded, note = out.split(maxsplit=2)
    assert (policy, torch_loaded) == ("PASSIVE", "False"), note
    assert note.startswith("passive")
