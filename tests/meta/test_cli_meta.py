"""Meta-tests of the CLI: every command documents itself; read commands never load jieba."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import click

from hotspot.cli import cli


def walk(group: click.Group, prefix: str = ""):
    for name, cmd in group.commands.items():
        yield f"{prefix}{name}", cmd
        if isinstance(cmd, click.Group):
            yield from walk(cmd, f"{prefix}{name} ")


def test_every_command_and_option_has_help_text():
    missing = [name for name, cmd in walk(cli) if not (cmd.help or "").strip()]
    assert missing == []
    for name, cmd in walk(cli):
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.hidden:
                assert (
                    p.help
                    or p.name in {"fmt", "config_path", "account", "limit"}
                    or p.is_flag
                    or p.default is not None
                ), f"{name} --{p.name} has no help"


READ_COMMANDS = [
    ["alerts", "list"],
    ["hotspots", "list", "--search", "哪吒"],
    ["events", "list"],
    ["trends"],
    ["sources", "status"],
    ["db", "stats"],
]


def test_read_commands_never_import_jieba_or_plugins(tmp_path):
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        '[hotspot]\ndatabase = "h.db"\n[[sources]]\nname = "w"\ntype = "weibo"\n', encoding="utf-8"
    )
    script = textwrap.dedent(f"""
        import sys
        from click.testing import CliRunner
        from hotspot.cli import cli
        for args in {READ_COMMANDS!r}:
            result = CliRunner().invoke(cli, ["--config", {str(cfg)!r}, *args])
            assert result.exit_code == 0, (args, result.output)
        loaded = sorted(m for m in sys.modules
                        if m.split(".")[0] in ("jieba", "rjieba", "sources", "feedparser", "bs4"))
        print(",".join(loaded) or "none")
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "none"
