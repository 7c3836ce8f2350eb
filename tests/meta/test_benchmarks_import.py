"""Every benchmark script still imports against the current package layout.

Benchmarks are run by hand and by ``benchmarks/run.py``, not by the suite, so a module moved
in the package (``hotspot.trends`` -> ``hotspot.analysis.trends``) would otherwise break one
silently until the next measuring session. Importing runs nothing: each script does its work
under ``if __name__ == "__main__"``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_imports(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    source = path.read_text(encoding="utf-8")
    assert 'if __name__ == "__main__"' in source, f"{path.name} runs its work on import"
    spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(f"_bench_{path.stem}", None)
    assert module.__doc__, f"{path.name} has no docstring saying what it measures"
