"""A source that trickles one byte at a time must not stall the daemon: a real ``hotspot
run`` keeps polling the other sources, reloads on SIGHUP and stops on SIGTERM while the slow
fetch is still in flight, and the slow fetch itself ends at its total deadline."""

from __future__ import annotations

import signal

from .conftest import (
    SMALL_LIST,
    TITLES,
    Reply,
    assert_no_traceback,
    db_check,
    status_by_source,
    wait_for,
    weibo_json,
    write_config,
)


def test_a_trickling_source_holds_back_nothing(tmp_path, server, daemons):
    server.routes["/slow"] = Reply(200, b"x" * 10_000, trickle=0.5)  # ~80 min at this pace
    server.routes["/fast"] = Reply(200, weibo_json(SMALL_LIST))
    server.routes["/new"] = Reply(200, weibo_json(TITLES[5:10]))
    sources = [
        {"name": "slow", "url": server.url("/slow")},
        {"name": "fast", "url": server.url("/fast")},
    ]
    cfg = write_config(tmp_path, sources, http={"read_timeout": "30s", "deadline": "10m"})
    d = daemons(cfg, tmp_path / "daemon.log")
    # "fast" (interval 10 s) is polled again and again while "slow" is still trickling
    wait_for(lambda: len(server.hits("/fast")) >= 2 or not d.alive(), 40, "a second fast poll")
    assert d.alive(), d.log()
    assert len(server.hits("/slow")) == 1  # the first slow fetch is still in flight
    assert "poll source=slow" not in d.log()

    # SIGHUP is handled at once during the stall: the added source is polled
    cfg.write_text(
        cfg.read_text(encoding="utf-8").replace(
            "[[accounts]]",
            f'[[sources]]\nname = "new"\ntype = "weibo"\ninterval = "10s"\n'
            f'url = "{server.url("/new")}"\n\n[[accounts]]',
        ),
        encoding="utf-8",
    )
    d.signal(signal.SIGHUP)
    wait_for(lambda: "poll source=new " in d.log() or not d.alive(), 20, "the new source")

    d.signal(signal.SIGTERM)
    assert d.wait(15) == 0, d.log()  # a hang fails here; the time is in benchmarks/
    assert_no_traceback(d.log())
    assert db_check(tmp_path / "hotspot.db")["integrity"] == "ok"


def test_the_slow_fetch_ends_at_its_deadline_as_a_source_error(tmp_path, server, daemons):
    server.routes["/slow"] = Reply(200, b"x" * 10_000, trickle=0.5)
    cfg = write_config(
        tmp_path,
        [{"name": "slow", "url": server.url("/slow")}],
        http={"read_timeout": "30s", "deadline": "2s"},
    )
    d = daemons(cfg, tmp_path / "daemon.log")
    wait_for(lambda: "poll source=slow failed" in d.log() or not d.alive(), 30, "the deadline")
    d.signal(signal.SIGTERM)
    assert d.wait(15) == 0, d.log()
    row = status_by_source(cfg)["slow"]
    assert "total deadline of 2s" in (row.get("last_error") or ""), row
