"""The operator's language end to end through the CLI (subprocesses, a local HTTP source):
zh-CN by default, English by --lang / [hotspot] language / LANG, in that precedence, for
output, errors, help, digests and the starter config."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli.helpers import run_hotspot

WEIBO = {
    "ok": 1,
    "data": {
        "realtime": [
            {"word": "冬天第一杯奶茶", "num": 11440000, "realpos": 1},
            {"word": "火锅店排队三小时", "num": 845210, "realpos": 2},
        ]
    },
}


def run(*args: str, lang_env: str | None = None, cwd: Path | None = None):
    return run_hotspot(*args, cwd=cwd, lang_env=lang_env)


@pytest.fixture
def polled(tmp_path, httpserver) -> Path:
    httpserver.expect_request("/weibo").respond_with_json(WEIBO)
    path = tmp_path / "hotspot.toml"
    path.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "db/hotspot.db"

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
    proc = run("--config", str(path), "poll")
    assert proc.returncode == 0, proc.stderr
    return path


def test_zh_cn_is_the_default_and_english_the_alternative(polled):
    cfg = str(polled)
    zh = run("--config", cfg, "alerts", "list")
    assert zh.returncode == 0, zh.stderr
    assert "账号" in zh.stdout and "标题" in zh.stdout and "冬天第一杯奶茶" in zh.stdout
    assert "ACCOUNT" not in zh.stdout
    en = run("--lang", "en", "--config", cfg, "alerts", "list")
    assert "ACCOUNT" in en.stdout and "TITLE" in en.stdout and "账号" not in en.stdout

    # empty results say why, in the operator's language
    zh = run("--config", cfg, "alerts", "list", "--account", "nobody")
    assert zh.stdout.strip() == "账号 'nobody' 没有告警 —— 已有账号：foodie"
    en = run("--config", cfg, "alerts", "list", "--account", "nobody", lang_env="en_US.UTF-8")
    assert en.stdout.strip() == "no alerts for account 'nobody' — known accounts: foodie"

    # one error style
    zh = run("--config", cfg, "alerts", "show", "99999")
    assert zh.returncode == 1
    assert zh.stderr.strip() == "错误：没有 id 为 99999 的告警；见 'hotspot alerts list'"
    en = run("--config", cfg, "--lang", "en", "alerts", "show", "99999")
    assert en.stderr.strip() == "error: no alert with id 99999; see 'hotspot alerts list'"


def test_digest_and_heat_in_the_operators_language(polled):
    cfg = str(polled)
    # the digest labelled tomorrow covers the poll just made
    day = (dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=1)).isoformat()
    zh = run("--config", cfg, "digest", "preview", "--account", "foodie", "--date", day)
    assert zh.returncode == 0, zh.stderr
    assert "热点日报" in zh.stdout and "首次出现" in zh.stdout and "最高排名 第1" in zh.stdout
    assert "热度 1144.0万" in zh.stdout and "命中：奶茶" in zh.stdout
    assert "邮件标题：[hotspot] foodie · " + day + " · 2 条告警" in zh.stdout
    en = run(
        "--lang", "en", "--config", cfg, "digest", "preview", "--account", "foodie", "--date", day
    )
    assert "Subject: [hotspot] foodie · " + day + " · 2 alerts" in en.stdout
    assert "hot topics digest" in en.stdout and "first seen" in en.stdout
    assert "best #1" in en.stdout and "heat 1144.0万" in en.stdout and "热点日报" not in en.stdout


def test_precedence_lang_over_config_over_environment(polled):
    cfg = str(polled)
    text = polled.read_text("utf-8").replace("[hotspot]", '[hotspot]\nlanguage = "en"')
    polled.write_text(text, encoding="utf-8")
    # config beats LANG
    proc = run("--config", cfg, "alerts", "list", lang_env="zh_CN.UTF-8")
    assert "ACCOUNT" in proc.stdout
    # --lang beats config
    proc = run("--lang", "zh-CN", "--config", cfg, "alerts", "list")
    assert "账号" in proc.stdout
    polled.write_text(text.replace('language = "en"', 'language = "klingon"'), "utf-8")
    proc = run("--config", cfg, "config", "check")
    assert proc.returncode == 2
    # an unusable language falls back to the environment (none here: zh-CN) and is reported
    assert 'hotspot.language: 只能是 "zh-CN" 或 "en"，而不是 \'klingon\'' in proc.stderr


def test_help_is_translated_and_follows_lang(tmp_path):
    zh = run("alerts", "list", "--help", cwd=tmp_path)
    assert zh.returncode == 0
    assert "列出告警，最新的在前" in zh.stdout and "只看这个账号。" in zh.stdout
    en = run("--lang", "en", "alerts", "list", "--help", cwd=tmp_path)
    assert "List alerts, newest first" in en.stdout and "Only this account." in en.stdout
    top = run("--lang", "en", "--help", cwd=tmp_path)
    assert "Query alerts" in top.stdout
    assert "查询告警" in run("--help", cwd=tmp_path).stdout


def test_starter_config_is_chinese_by_default_english_with_lang(tmp_path):
    zh = run("init", str(tmp_path / "zh"))  # no LANG at all: zh-CN
    assert zh.returncode == 0, zh.stderr
    body = (tmp_path / "zh" / "hotspot.toml").read_text("utf-8")
    assert "默认配置" in body and 'language = "zh-CN"' in body
    c = run("init", str(tmp_path / "c"), lang_env="C")  # LANG=C is English
    assert 'language = "en"' in (tmp_path / "c" / "hotspot.toml").read_text("utf-8"), c.stderr
    en = run("init", "--lang", "en", str(tmp_path / "en"), lang_env="zh_CN.UTF-8")
    assert en.returncode == 0 and en.stdout.startswith("wrote ")
    body = (tmp_path / "en" / "hotspot.toml").read_text("utf-8")
    assert "default configuration" in body and 'language = "en"' in body
    assert not any("\u4e00" <= c <= "\u9fff" for c in body.split("[[accounts]]")[0])
    # both starters pass the checker
    for d in ("zh", "en"):
        proc = run("--config", str(tmp_path / d / "hotspot.toml"), "config", "check")
        assert proc.returncode == 0, proc.stderr


def test_csv_opens_in_excel_and_lists_are_text(polled):
    proc = subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(polled), "alerts", "list"]
        + ["--format", "csv"],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    raw = proc.stdout
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel on Chinese Windows reads UTF-8
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    milk = next(r for r in rows if r["title"] == "冬天第一杯奶茶")
    assert milk["platforms"] == "weibo" and milk["terms"] == "奶茶"  # not '["奶茶"]'
    assert not any(v.startswith("[") for r in rows for v in r.values() if v)


def test_log_lines_carry_the_configured_timezone_with_offset(polled):
    text = polled.read_text("utf-8").replace(
        "[hotspot]", '[hotspot]\ntimezone = "America/New_York"'
    )
    polled.write_text(text, encoding="utf-8")
    proc = run("--config", str(polled), "poll", "--source", "weibo")
    assert proc.returncode == 0, proc.stderr
    stamps = [line.split(" ")[:2] for line in proc.stderr.splitlines() if " INFO " in line]
    assert stamps, proc.stderr
    now = dt.datetime.now(ZoneInfo("America/New_York"))
    offset = now.strftime("%z")
    offset = offset[:3] + ":" + offset[3:]
    day, clock = stamps[0]
    assert clock.endswith(offset), stamps[0]
    logged = dt.datetime.fromisoformat(f"{day} {clock}")
    assert abs((logged - now).total_seconds()) < 3600  # the local clock, not UTC's


def test_quiet_for_scripts(polled, tmp_path):
    proc = run("--quiet", "--config", str(polled), "poll")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and " INFO " not in proc.stderr
    loud = run("--config", str(polled), "poll")
    assert "weibo" in loud.stdout and " INFO " in loud.stderr
    init = run("-q", "init", str(tmp_path / "q"))
    assert init.returncode == 0 and init.stdout == ""
    assert (tmp_path / "q" / "hotspot.toml").exists()
    # data is still printed
    data = run("-q", "--config", str(polled), "alerts", "list", "--format", "json")
    assert "冬天第一杯奶茶" in data.stdout
