"""The layout's promises: no import cycles, stages import only downward, no top-level
``sources`` package once installed, and a helpful line when the checkout is not installed."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "hotspot"

# Lower stages first; a module may import its own stage, the shared modules and lower stages.
STAGES = [
    "shared",
    "config",
    "ingest",
    "analysis",
    "planning",
    "storage",
    "delivery",
    "wiring",
    "cli",
]
SHARED = {
    "hotspot",
    "hotspot.errors",
    "hotspot.models",
    "hotspot.durations",
    "hotspot.numbers",
    "hotspot.i18n",
    "hotspot.display",
    "hotspot.charsets",
    "hotspot.safetext",
}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    found.update({"hotspot.sources." + p.stem: p for p in (ROOT / "sources").glob("*.py")})
    return found


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """hotspot modules imported by ``path`` at module level or in functions (all of them)."""
    tree = ast.parse(path.read_text("utf-8"))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = name.split(".") if is_pkg else name.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            if t.startswith("hotspot"):
                while t and t not in known:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    out.add(t)
    return out


def type_checking_only(path: Path) -> set[str]:
    """Modules imported only under ``if TYPE_CHECKING:`` (no runtime edge)."""
    tree = ast.parse(path.read_text("utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.module:
                    out.add(sub.module)
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    g = {}
    for name, path in mods.items():
        g[name] = imports(path, name, known) - type_checking_only(path)
    return g


def stage(name: str) -> str:
    if name in SHARED:
        return "shared"
    if name == "hotspot.__main__":
        return "cli"
    if name.startswith(("hotspot.web", "hotspot.mcp")):
        return "cli"  # the workspace and the MCP server sit at the top, beside the CLI
    parts = name.split(".")
    if len(parts) >= 2 and parts[1] in {
        "config",
        "ingest",
        "analysis",
        "planning",
        "storage",
        "delivery",
        "cli",
    }:
        return parts[1]
    if len(parts) >= 2 and parts[1] == "sources":
        return "ingest"
    if len(parts) >= 2 and parts[1] == "data":
        return "shared"
    return "wiring"  # engine, poller, daemon, doctor, __main__


def test_no_import_cycles():
    g = graph()
    visiting, done, cycles = set(), set(), []

    def visit(n: str, path: list[str]) -> None:
        if n in done:
            return
        if n in visiting:
            cycles.append(path[path.index(n) :] + [n])
            return
        visiting.add(n)
        for m in sorted(g.get(n, ())):
            # a package's __init__ re-exporting its own modules is not a cycle
            if m.startswith(n + "."):
                continue
            visit(m, path + [m])
        visiting.discard(n)
        done.add(n)

    for n in sorted(g):
        visit(n, [n])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_stages_import_only_downward():
    g = graph()
    bad = []
    for name, deps in g.items():
        for d in deps:
            if STAGES.index(stage(d)) > STAGES.index(stage(name)):
                bad.append(f"{name} ({stage(name)}) imports {d} ({stage(d)})")
    assert not bad, "\n".join(sorted(bad))


def test_every_module_says_what_it_is_for():
    missing = [
        n
        for n, p in modules().items()
        if ast.get_docstring(ast.parse(p.read_text("utf-8"))) is None
    ]
    assert not missing, missing


def test_installed_package_has_no_top_level_sources(tmp_path):
    code = "import importlib.util, sys; print(importlib.util.find_spec('sources'))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "None"
    code = "import hotspot.sources.weibo as w; print(w.__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "hotspot.sources.weibo"


def test_python_m_hotspot_from_the_checkout():
    r = subprocess.run(
        [sys.executable, "-m", "hotspot", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "hotspot" in r.stdout


def test_uninstalled_checkout_gets_a_one_line_hint(tmp_path):
    # A Python that sees only the checkout (the installed package hidden) cannot find
    # hotspot.data; it must say how to fix that in one line.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run(
        [sys.executable, "-S", "-m", "hotspot", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install -e ." in lines[0], r.stderr
