"""``--quiet`` for scripts, everywhere: every command accepts ``-q/--quiet`` (after its name
as well as before it), and with it only data and errors are printed: summaries,
confirmations and INFO logs are not, the data is unchanged."""

from __future__ import annotations

import json
import textwrap

import click
import pytest
from click.testing import CliRunner

from hotspot.cli import cli

WEIBO = {
    "ok": 1,
    "data": {
        "realtime": [
            {"word": "冬天第一杯奶茶", "num": 11440000, "realpos": 1},
            {"word": "火锅店排队三小时", "num": 845210, "realpos": 2},
        ]
    },
}


def walk(cmd: click.Command, path: tuple[str, ...] = ()):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from walk(sub, (*path, name))


def test_every_command_accepts_quiet():
    missing = []
    for path, cmd in walk(cli):
        if isinstance(cmd, click.Group) and path:
            continue  # a group only dispatches; its commands take -q
        opts = {o for p in cmd.params if isinstance(p, click.Option) for o in p.opts}
        if not {"-q", "--quiet"} <= opts:
            missing.append(" ".join(path) or "hotspot")
    assert missing == []


@pytest.fixture
def cfg(tmp_path, httpserver):
    httpserver.expect_request("/weibo").respond_with_json(WEIBO)
    path = tmp_path / "hotspot.toml"
    path.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "db/hotspot.db"
        language = "zh-CN"

        [[sources]]
        name = "weibo"
        type = "weibo"
        url = "{httpserver.url_for("/weibo")}"

        [[accounts]]
        name = "foodie"
        [[accounts.themes]]
        name = "美食"
        keywords = ["奶茶", "火锅"]
        """),
        encoding="utf-8",
    )
    return str(path)


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), prog_name="hotspot")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_prints_only_data_and_errors(cfg, tmp_path, where):
    def q(*args: str):
        if where == "before":
            return run("-q", "--config", cfg, *args)
        return run("--config", cfg, *args, "-q")

    # summaries and confirmations: there without -q, gone with it
    loud = run("--config", cfg, "poll")
    assert "weibo" in loud.stdout and " INFO hotspot" in loud.stderr
    quiet = q("poll")
    assert quiet.exit_code == 0 and quiet.stdout == "" and " INFO hotspot" not in quiet.stderr
    alert_id = json.loads(run("--config", cfg, "alerts", "list", "--format", "json").stdout)[0][
        "id"
    ]
    loud = run("--config", cfg, "alerts", "mark", str(alert_id), "useful")
    assert loud.exit_code == 0 and loud.stdout.strip()
    quiet = q("alerts", "mark", str(alert_id), "chased")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert run("--config", cfg, "config", "check").stdout.strip()
    assert q("config", "check").stdout == ""
    init = run("init", str(tmp_path / ("i" + where)), *(["-q"] if where == "after" else []))
    if where == "before":
        init = run("-q", "init", str(tmp_path / "ib"))
    assert init.exit_code == 0 and init.stdout == ""

    # data: the same with and without -q
    for args in (
        ("alerts", "list", "--format", "json"),
        ("alerts", "list"),
        ("hotspots", "list", "--format", "csv"),
        ("events", "list", "--format", "json"),
        ("sources", "status", "--format", "json"),
        ("db", "stats"),
    ):
        loud, quiet = run("--config", cfg, *args), q(*args)
        assert quiet.exit_code == 0, quiet.output
        assert quiet.stdout == loud.stdout and quiet.stdout.strip(), args

    # errors: still printed, one line
    err = q("alerts", "show", "999999")
    assert err.exit_code == 1 and err.stdout == ""
    assert err.stderr.strip() == "错误：没有 id 为 999999 的告警；见 'hotspot alerts list'"
