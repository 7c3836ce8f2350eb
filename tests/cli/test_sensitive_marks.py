"""The 慎借势 mark in the read commands, end to end: ``hotspot poll`` against a local HTTP
server, then ``alerts list`` (table, JSON, CSV) and ``alerts show`` in zh-CN and English; an
account with ``sensitivity = "off"`` never sees the mark; the read commands stay without
jieba while they classify."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import clean_env
from tests.cli.test_daily_loop import run

WEIBO = {
    "ok": 1,
    "data": {
        "realtime": [
            {"word": "火锅店排队三小时", "num": 845210, "realpos": 1},
            {"word": "火锅店燃气爆炸致3人遇难", "num": 532100, "realpos": 2},
        ]
    },
}
SAFE, RISKY = "火锅店排队三小时", "火锅店燃气爆炸致3人遇难"


def workspace(tmp_path: Path, httpserver, lang: str) -> Path:
    httpserver.expect_request("/weibo").respond_with_json(WEIBO)
    (tmp_path / "hotspot.toml").write_text(
        f"""
[hotspot]
database = "h.db"
language = "{lang}"

[[sources]]
name = "weibo"
type = "weibo"
url = "{httpserver.url_for("/weibo")}"

[[accounts]]
name = "foodie"
[[accounts.themes]]
name = "美食"
keywords = ["火锅"]

[[accounts]]
name = "calm"
sensitivity = "off"
[[accounts.themes]]
name = "餐饮"
keywords = ["火锅"]
""",
        encoding="utf-8",
    )
    poll = run(tmp_path, "poll")
    assert poll.returncode == 0, poll.stderr
    return tmp_path


def rows_by(tmp_path: Path) -> dict[tuple[str, str], dict]:
    proc = run(tmp_path, "alerts", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return {(r["account"], r["title"]): r for r in json.loads(proc.stdout)}


def line_of(text: str, title: str, account: str) -> str:
    (line,) = [x for x in text.splitlines() if title in x and account in x]
    return line


@pytest.mark.parametrize(
    ("lang", "label", "mark", "evidence"),
    [
        ("zh-CN", "灾害事故", "⚠ 慎借势：灾害事故", "依据："),
        ("en", "disaster or accident", "⚠ Handle with care: disaster or accident", "evidence: "),
    ],
)
def test_alerts_list_and_show_mark_sensitive_alerts(
    tmp_path, httpserver, lang, label, mark, evidence
):
    workspace(tmp_path, httpserver, lang)
    rows = rows_by(tmp_path)
    assert len(rows) == 4, rows
    risky = rows[("foodie", RISKY)]["sensitive"]
    assert risky is not None and risky["category"] == "disaster", risky
    assert risky["label"] == "灾害事故" and risky["terms"], risky  # the lexicon's label: data
    assert set(risky) == {"category", "label", "terms"}
    assert rows[("foodie", SAFE)]["sensitive"] is None
    assert rows[("calm", RISKY)]["sensitive"] is None  # sensitivity = "off"

    table = run(tmp_path, "alerts", "list").stdout
    assert f"⚠ {label}" in line_of(table, "燃气爆炸", "foodie"), table
    assert "⚠" not in line_of(table, "燃气爆炸", "calm")
    assert "⚠" not in line_of(table, "排队三小时", "foodie")

    got = list(
        csv.DictReader(
            io.StringIO(run(tmp_path, "alerts", "list", "--format", "csv").stdout.lstrip("\ufeff"))
        )
    )
    cells = {(r["account"], r["title"]): r["sensitive"] for r in got}
    assert json.loads(cells[("foodie", RISKY)])["category"] == "disaster"
    assert cells[("foodie", SAFE)] == ""

    ids = {k: r["id"] for k, r in rows.items()}
    show = run(tmp_path, "alerts", "show", str(ids[("foodie", RISKY)]))
    assert show.returncode == 0, show.stderr
    (line,) = [x for x in show.stdout.splitlines() if x.startswith("⚠")]
    assert line.startswith(mark) and evidence in line, show.stdout
    assert all(t in line for t in risky["terms"]), line
    for key in (("foodie", SAFE), ("calm", RISKY)):
        assert "⚠" not in run(tmp_path, "alerts", "show", str(ids[key])).stdout
    js = json.loads(
        run(tmp_path, "alerts", "show", str(ids[("foodie", RISKY)]), "--format", "json").stdout
    )
    assert js["sensitive"] == risky
    other = "慎借势" if lang == "en" else "Handle with care"
    assert other not in table + show.stdout


def test_marking_alerts_never_imports_jieba(tmp_path, httpserver):
    workspace(tmp_path, httpserver, "zh-CN")
    script = (
        "import sys\nfrom click.testing import CliRunner\nfrom hotspot.cli import cli\n"
        "for args in (['alerts', 'list'], ['alerts', 'show', '1'], "
        "['alerts', 'list', '--format', 'json']):\n"
        "    r = CliRunner().invoke(cli, ['--config', 'hotspot.toml', *args])\n"
        "    assert r.exit_code == 0, r.output\n"
        "assert '⚠' in CliRunner().invoke(cli, ['--config', 'hotspot.toml', 'alerts', 'list']).output\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('jieba', 'rjieba'))) or 'none')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=clean_env(),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "none"
