"""Config that catches every mistake, once (issue 12): every error in one run and named as the
operator does, intervals below the floor refused, silent no-ops refused or warned about, input
as people type it (BOM, GBK, full-width, Chinese units)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hotspot.config import load_config
from hotspot.durations import parse_duration
from hotspot.errors import ConfigError
from hotspot.ingest.registry import load_plugins

GOOD = textwrap.dedent("""
    [hotspot]
    database = "h.db"

    [[sources]]
    name = "weibo"
    type = "weibo"
    interval = "2m"

    [[accounts]]
    name = "foodie"
    digest_at = "08:30"
    [[accounts.themes]]
    name = "美食"
    keywords = ["美食", "奶茶"]
""")


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "hotspot.toml"
    path.write_bytes(text.encode(encoding))
    return path


def check(path: Path, *, lang: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL")}
    return subprocess.run(
        [sys.executable, "-m", "hotspot", "--lang", lang, "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), load_plugins())
    return "\n".join(info.value.problems)


def test_source_and_theme_errors_in_one_run_named_in_both_languages(tmp_path):
    bad = (
        GOOD.replace('interval = "2m"', 'intervall = "2m"')
        .replace('type = "weibo"', 'type = "baidoo"')
        .replace('keywords = ["美食", "奶茶"]', 'keywords = ["美食", ""]\nmin_score = 2')
    )
    path = write(tmp_path, bad)
    en = check(path, lang="en")
    assert en.returncode == 2 and "Traceback" not in en.stderr
    lines = en.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), lines
    text = en.stderr
    assert "sources[0] (weibo).type: unknown source type 'baidoo'" in text
    assert "sources[0] (weibo).intervall: unknown key" in text
    assert "accounts[0] (foodie).themes[0] (美食).keywords[1]: an empty string" in text
    assert "accounts[0] (foodie).themes[0] (美食).min_score: must be between 0 and 1" in text
    zh = check(path, lang="zh-CN")
    assert zh.returncode == 2
    assert all(line.startswith("错误：") for line in zh.stderr.strip().splitlines())
    assert "sources[0] (weibo).type: 未知的数据源类型 'baidoo'" in zh.stderr
    assert "themes[0] (美食).keywords[1]: 是空字符串" in zh.stderr


def test_unknown_source_option_is_reported_with_theme_errors(tmp_path):
    # a known type with a misspelt key: the plugin-aware check runs despite the theme error
    bad = (
        GOOD.replace('interval = "2m"', 'intervall = "2m"').replace("min_score", "x")
        + '\n[[accounts.themes]]\nname = "美食"\nkeywords = ["奶茶"]\n'
    )
    text = problems(tmp_path, bad)
    assert "sources[0] (weibo).intervall: unknown key" in text
    assert "duplicate theme name '美食'" in text


@pytest.mark.parametrize("value", ["0s", "0", "5s", "９ｓ", "5秒"])
def test_intervals_below_the_floor_are_refused_including_zero(tmp_path, value):
    text = problems(tmp_path, GOOD.replace('interval = "2m"', f'interval = "{value}"'))
    assert "sources[0] (weibo).interval: must be at least 10s" in text


def test_min_host_interval_zero_is_floored_not_a_busy_loop(tmp_path):
    config = load_config(
        write(tmp_path, GOOD.replace("[hotspot]", '[hotspot]\nmin_host_interval = "0s"')),
        load_plugins(),
    )
    assert config.min_host_interval == 1.0


def test_silent_no_ops_are_refused_or_warned(tmp_path):
    never = GOOD.replace('keywords = ["美食", "奶茶"]', "verticals = []")
    assert "themes[0] (美食): this theme can never match" in problems(tmp_path, never)
    no_themes = GOOD.split("[[accounts.themes]]")[0]
    assert "accounts[0] (foodie): an account without themes never gets an alert" in problems(
        tmp_path, no_themes
    )
    path = write(tmp_path, '[hotspot]\ndatabase = "h.db"\n')
    proc = check(path, lang="en")
    assert proc.returncode == 0, proc.stderr
    assert "sources: no [[sources]]: the daemon would fetch nothing" in proc.stderr
    assert "accounts: no [[accounts]]: nothing would ever alert" in proc.stderr


def test_bom_gbk_fullwidth_and_chinese_units(tmp_path):
    path = write(tmp_path, "\ufeff" + GOOD.replace('digest_at = "08:30"', 'digest_at = "08：30"'))
    config = load_config(path, load_plugins())
    assert config.accounts[0].digest_at.hour == 8 and config.accounts[0].digest_at.minute == 30
    gbk = write(tmp_path, GOOD, encoding="gb18030")
    proc = check(gbk, lang="zh-CN")
    assert proc.returncode == 2
    assert "配置文件不是 UTF-8 编码" in proc.stderr and "另存为 UTF-8" in proc.stderr
    for text, seconds in [
        ("２m", 120),
        ("2ｍ", 120),
        ("２４ｈ", 86400),
        ("2分钟", 120),
        ("24小时", 86400),
        ("2天", 172800),
        ("1小时30分", 5400),
    ]:
        assert parse_duration(text) == seconds, text
    with pytest.raises(ValueError):
        parse_duration("2 fortnights")


def test_sources_list_and_config_check_show_what_min_host_interval_does(tmp_path):
    text = GOOD.replace("[hotspot]", '[hotspot]\nmin_host_interval = "60s"') + textwrap.dedent("""
        [[sources]]
        name = "feed-a"
        type = "rss"
        url = "http://127.0.0.1:9/a"
        interval = "15s"

        [[sources]]
        name = "feed-b"
        type = "rss"
        url = "http://127.0.0.1:9/b"
        interval = "15s"
    """)
    path = write(tmp_path, text)
    proc = check(path, lang="en")
    assert proc.returncode == 0, proc.stderr
    assert (
        "sources (feed-a): cannot keep its interval 15s: 2 sources share 127.0.0.1:9 and "
        "min_host_interval is 1m, so it is fetched every 2m at most"
    ) in proc.stderr
    assert "weibo" not in proc.stderr  # alone on its host, 2m > 60s: keeps its interval
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL")}
    listed = subprocess.run(
        [sys.executable, "-m", "hotspot", "--lang", "en", "--config", str(path), "sources", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    line = next(x for x in listed.stdout.splitlines() if "feed-a" in x)
    assert "every 2m (configured 15s, min_host_interval)" in line
    configured = listed.stdout.split("configured sources:")[1]
    weibo = next(x for x in configured.splitlines() if x.strip().startswith("weibo "))
    assert "every 2m " in weibo and "configured" not in weibo
