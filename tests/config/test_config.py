"""Config loading: the documented example is accepted; every mistake is one line, all at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hotspot.config import load_config
from hotspot.errors import ConfigError
from hotspot.ingest.registry import load_plugins

EXAMPLE = textwrap.dedent("""
    [hotspot]
    database = "data/hotspot.db"
    timezone = "Asia/Shanghai"

    [[sources]]
    name = "weibo"          # unique instance name
    type = "weibo"          # which plugin
    interval = "2m"

    [[sources]]
    name = "36kr"
    type = "rss"
    url = "https://36kr.com/feed"
    interval = "15m"

    [[accounts]]
    name = "foodie"
    digest_to = ["ops@example.com"]
    digest_at = "08:30"

    [[accounts.themes]]
    name = "美食"
    keywords = ["美食", "餐厅", "奶茶", "火锅"]
    exclude = ["食物中毒"]
    min_score = 0.5
""")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hotspot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_issue_example_is_accepted_as_written(tmp_path):
    config = load_config(write(tmp_path, EXAMPLE), load_plugins())
    assert [s.name for s in config.sources] == ["weibo", "36kr"]
    assert config.sources[0].interval == 120 and config.sources[1].interval == 900
    assert config.database == tmp_path / "data" / "hotspot.db"  # relative to the file
    theme = config.accounts[0].themes[0]
    assert theme.keywords == ("美食", "餐厅", "奶茶", "火锅") and theme.exclude == ("食物中毒",)
    assert config.accounts[0].digest_at.hour == 8 and config.accounts[0].digest_at.minute == 30


def test_every_problem_is_reported_at_once_by_dotted_key(tmp_path):
    bad = (
        EXAMPLE.replace('interval = "2m"', 'interval = "2x"')
        .replace('type = "rss"', 'type = "rsss"')
        .replace('name = "36kr"', 'name = "weibo"')
        + "\n[hotspot2]\nx = 1\n"
    )
    bad = bad.replace("min_score = 0.5", 'min_score = "high"\nkeyword = ["typo"]')
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, bad), load_plugins())
    problems = info.value.problems
    joined = "\n".join(problems)
    # things are named as the operator does: position and name
    assert "sources[0] (weibo).interval: bad duration '2x'" in joined
    assert "sources[1] (weibo).type: unknown source type 'rsss'" in joined
    assert "sources[1] (weibo).name: duplicate source name 'weibo'" in joined
    assert "accounts[0] (foodie).themes[0] (美食).min_score: expected a number" in joined
    assert "accounts[0] (foodie).themes[0] (美食).keyword: unknown key" in joined
    assert "hotspot2: unknown key" in joined
    assert all(p.startswith(str(tmp_path / "hotspot.toml")) and "\n" not in p for p in problems)


def test_password_in_file_is_refused_with_advice(tmp_path):
    text = EXAMPLE + '\n[smtp]\nhost = "x"\npassword = "secret"\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), load_plugins())
    assert "smtp.password: unknown key (put secrets in an environment variable" in str(info.value)


def test_cli_reports_bad_config_in_lines_with_exit_2_and_no_traceback(tmp_path):
    path = write(
        tmp_path,
        EXAMPLE.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"').replace(
            'digest_at = "08:30"', 'digest_at = "25:99"'
        ),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert any("hotspot.timezone: unknown timezone 'Mars/Base'" in line for line in lines)
    assert any("accounts[0] (foodie).digest_at: expected a time of day" in line for line in lines)
    assert "Traceback" not in proc.stderr


def test_invalid_toml_is_one_line(tmp_path):
    path = write(tmp_path, "[hotspot\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert len(info.value.problems) == 1 and "not valid TOML" in info.value.problems[0]


def test_shipped_default_config_is_valid():
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "hotspot.toml", load_plugins())
    assert {s.type for s in config.sources} >= {"weibo", "rss"}


def test_notifier_min_chance_is_a_chance(tmp_path):
    base = (
        '[hotspot]\ndatabase = "h.db"\n[[notifiers]]\nname = "hot"\ntype = "webhook"\n'
        'url = "http://127.0.0.1:9/hook"\nonly_rising = true\n'
    )
    good = load_config(write(tmp_path, base + "min_chance = 0.7\n"), load_plugins())
    assert good.notifiers[0].min_chance == 0.7
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, base + "min_chance = 70\n"), load_plugins())
    assert "notifiers[0] (hot).min_chance: must be a chance between 0 and 1" in "\n".join(
        info.value.problems
    )
