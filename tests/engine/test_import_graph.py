"""No import cycle in the package (function-level imports included); engine modules stay short."""

from __future__ import annotations

from pathlib import Path

import grimp

import autovoice_desktop


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("autovoice_desktop")
    cycles = [
        (module, imported)
        for module in sorted(graph.modules)
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("autovoice_desktop.")
        and graph.find_shortest_chain(importer=imported, imported=module)
    ]
    assert not cycles, f"import cycles through: {cycles[:5]}"


def test_engine_modules_are_under_500_lines() -> None:
    root = Path(autovoice_desktop.__file__).parent / "engine"
    long = {
        p.name: n for p in root.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not long, long
