"""Exception messages are user-facing (the CLI prints them as ``错误：…``, the workspace and
MCP show them, source health stores them): every literal message in a ``raise`` in hotspot/
goes through ``_()``. Found by walking the AST, so an unwrapped one cannot come back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hotspot"


def _is_literal_text(node: ast.expr) -> bool:
    """A message written in place: ``"…"``, ``f"…"``, ``"…" % x``, ``"…".format(…)`` or
    ``"…" + x`` (not wrapped in ``_()``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_literal_text(node.left) or _is_literal_text(node.right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return _is_literal_text(node.func.value)
    return False


def unwrapped_raises(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        args = list(node.exc.args) + [k.value for k in node.exc.keywords if k.arg == "message"]
        for arg in args:
            if _is_literal_text(arg):
                found.append((node.lineno, ast.unparse(arg)[:80]))
    return found


def test_every_raised_message_is_translatable():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in unwrapped_raises(path.read_text("utf-8")):
            bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {text}")
    assert bad == [], "wrap these messages in _() (hotspot.i18n):\n" + "\n".join(bad)


def test_the_walk_finds_what_it_must_and_passes_what_is_wrapped():
    src = """
def f(x, exc):
    raise ValueError(f"bad {x}")
    raise HotspotError("no database")
    raise StoreError("database {p}".format(p=x))
    raise click.BadParameter("wrong " + x, param_hint="--x")
    raise InputError(message=f"{x}: nope")
    raise InputError(_("no alert with id {id}").format(id=x))
    raise ConfigError(_("fine"))
    raise SystemExit(1)
    raise StoreError(str(exc))
    raise ValueError(msg)
"""
    assert [line for line, _text in unwrapped_raises(src)] == [3, 4, 5, 6, 7]
