"""Arguments at the edge: huge numbers, dates out of range, account names that are not file
names, an existing hotspot.toml, LIKE wildcards typed as text. One line each, never a
traceback. Driven through the CLI against a real local server."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Reply, assert_no_traceback, run_cli, weibo_json, write_config

HUGE = "9" * 30


def _one_line_usage_error(r) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert_no_traceback(r.stderr)
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) <= 3, r.stderr


def test_huge_numbers_and_dates_out_of_range_are_usage_errors(tmp_path, server):
    server.routes["/a"] = Reply(200, weibo_json(["奶茶店开业", "火锅节"]))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    assert run_cli("poll", config=cfg).returncode == 0
    for args in (
        ("alerts", "list", "--limit", HUGE),
        ("events", "list", "--limit", HUGE),
        ("alerts", "show", HUGE),
        ("events", "show", HUGE),
        ("digest", "preview", "--date", "0001-01-01"),
    ):
        _one_line_usage_error(run_cli(*args, config=cfg))


def test_an_account_name_with_a_slash_writes_a_safe_html_file(tmp_path, server):
    server.routes["/a"] = Reply(200, weibo_json(["奶茶店开业"]))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(
        text.replace('name = "foodie"', 'name = "团队/美食"')
        + '\n[[accounts]]\nname = "other"\n\n[[accounts.themes]]\nname = "x"\nkeywords = ["火锅"]\n',
        encoding="utf-8",
    )
    assert run_cli("poll", config=cfg).returncode == 0
    r = run_cli("digest", "preview", "--html", str(tmp_path / "out.html"), config=cfg)
    assert r.returncode == 0, r.stderr
    assert_no_traceback(r.stderr)
    assert (tmp_path / "out-团队_美食.html").exists()
    assert (tmp_path / "out-other.html").exists()


def test_init_over_an_existing_config_leaves_it(tmp_path):
    target = tmp_path / "hotspot.toml"
    target.write_text("# mine\n", encoding="utf-8")
    r = run_cli("init", str(tmp_path), config=target)
    assert r.returncode != 0 and "exists" in r.stderr
    assert_no_traceback(r.stderr)
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert run_cli("init", str(tmp_path), "--force", config=target).returncode == 0
    assert "[hotspot]" in target.read_text(encoding="utf-8")


def test_percent_and_underscore_in_search_are_literal(tmp_path, server):
    server.routes["/a"] = Reply(200, weibo_json(["奶茶涨价", "火锅节", "满减50%活动"]))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    assert run_cli("poll", config=cfg).returncode == 0
    for cmd in ("hotspots", "events"):
        for needle, expected in (("%", {"满减50%活动"}), ("_", set())):
            r = run_cli(cmd, "list", "--search", needle, "--format", "json", config=cfg)
            assert r.returncode == 0, r.stderr
            titles = {row["title"] for row in json.loads(r.stdout)}
            assert titles == expected, (cmd, needle, titles)


def test_the_database_may_not_live_in_the_packages_own_data_folder(tmp_path):
    from importlib import resources

    data = Path(str(resources.files("hotspot.data")))
    cfg = write_config(tmp_path, [], database=str(data / "hotspot.db"))
    r = run_cli("config", "check", config=cfg)
    assert r.returncode == 2 and "hotspot.database" in r.stderr and "data folder" in r.stderr
    assert_no_traceback(r.stderr)
    assert not (data / "hotspot.db").exists()
    # and the default is var/hotspot.db beside the config
    from hotspot.config import load_config

    plain = tmp_path / "plain.toml"
    plain.write_text(
        '[[accounts]]\nname = "a"\n\n[[accounts.themes]]\nname = "t"\nkeywords = ["奶茶"]\n',
        encoding="utf-8",
    )
    assert load_config(plain).database == tmp_path / "var" / "hotspot.db"
