"""Untrusted titles in terminal output, and JSON log lines."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

from hotspot.cli.output import fit, table, width
from hotspot.ingest.normalize import clean_text, normalize
from hotspot.models import RawItem


def test_control_characters_never_reach_the_terminal():
    hostile = "热搜\x1b[2J\x1b]0;pwned\x07标题\u202e反转"
    row = {"title": hostile}
    out = table([row], [("title", "TITLE", 40)])
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "热搜" in out and "标题" in out


def test_cjk_cells_are_padded_by_display_width():
    assert width("哪吒2") == 5
    assert width(fit("哪吒2海外票房破千万", 8)) == 8
    assert fit("哪吒2海外票房破千万", 8).rstrip().endswith("…")


def test_normalised_titles_are_clean_and_normalising_is_idempotent():
    raw = RawItem(title="  冬天\u200b第一杯\x00奶茶  ", url="HTTPS://S.WEIBO.COM/weibo?q=x#frag")
    h = normalize(raw, source="w", platform="weibo", observed_at=datetime.now(UTC))
    assert h.title == "冬天第一杯奶茶" and h.url == "https://s.weibo.com/weibo?q=x"
    again = normalize(
        RawItem(title=h.title, url=h.url), source="w", platform="weibo", observed_at=h.observed_at
    )
    assert (again.id, again.title, again.url) == (h.id, h.title, h.url)
    assert clean_text(clean_text("a\tb\n\nc")) == "a b c"


def test_json_log_lines(tmp_path, httpserver):
    httpserver.expect_request("/hot").respond_with_data("oops", status=500)
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        f'[hotspot]\ndatabase = "h.db"\nlog_format = "json"\n[[sources]]\n'
        f'name = "daily"\ntype = "jsonlist"\nurl = "{httpserver.url_for("/hot")}"\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(cfg), "poll"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    entries = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    failure = next(e for e in entries if "failed" in e["message"])
    assert failure["level"] == "warning" and "source=daily" in failure["message"]
    assert "HTTP 500" in failure["message"]


def test_list_cells_are_comma_separated_in_tables():
    out = table([{"platforms": ["baidu", "weibo"]}], [("platforms", "PLATFORMS", 20)])
    assert "baidu,weibo" in out and "[" not in out
