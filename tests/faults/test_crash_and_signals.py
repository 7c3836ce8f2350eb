"""A real daemon under kill -9, SIGTERM and SIGHUP; two daemons on one database; CLI readers
during heavy writes; databases that must be refused and left untouched.

Every test drives ``hotspot`` as a separate process against a local HTTP server and checks the
SQLite file directly afterwards (``PRAGMA integrity_check``, duplicate alerts, counts).
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hotspot.storage.store import Store

from .conftest import (
    SMALL_LIST,
    TITLES,
    LocalServer,
    Reply,
    alerted_titles,
    assert_no_traceback,
    db_check,
    hotspot_argv,
    run_cli,
    wait_for,
    weibo_json,
    write_config,
)

KILL_ROUNDS = 20
SEED = 20240611


def _filler(tag: str, n: int) -> list[str]:
    """Unique non-food titles so every round writes new items (more work to interrupt)."""
    return [f"气象观测站{tag}第{i}号站点数据更新" for i in range(n)]


def _window(r: int, size: int, offset: int) -> list[str]:
    return [TITLES[(offset + 3 * r + i) % len(TITLES)] for i in range(size)]


def _sources(server: LocalServer, suffix: str) -> list[dict]:
    # A source name the database has never seen is due at once, so each restarted daemon
    # polls both sources immediately (a known name would wait for its next_poll).
    return [
        {"name": f"a{suffix}", "url": server.url("/a")},
        {"name": f"b{suffix}", "url": server.url("/b")},
    ]


# Runtime: 20 daemon starts (each loads jieba: ~1-2 s) -> about 40-60 s on 2 cores; the
# slowest test of the suite by far.
@pytest.mark.timeout(240)
def test_kill_9_at_random_points_never_corrupts_duplicates_or_loses(tmp_path, server, daemons):
    rng = random.Random(SEED)
    current = {"round": 0}
    fetched = threading.Event()  # set by the server the moment a request arrives

    def serve(offset: int, tag: str) -> Reply:
        fetched.set()
        r = current["round"]
        return Reply(200, weibo_json(_window(r, 6, offset) + _filler(f"{tag}{r}", 400)))

    server.routes["/a"] = lambda h: serve(0, "A")
    server.routes["/b"] = lambda h: serve(11, "B")
    db = tmp_path / "hotspot.db"

    # The reference: what one clean poll of the full lists gives on a fresh database.
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    ref_cfg = write_config(
        ref_dir,
        [{"name": "a", "url": server.url("/full")}, {"name": "b", "url": server.url("/full")}],
    )
    server.routes["/full"] = Reply(200, weibo_json(TITLES))
    reference = subprocess.Popen(
        hotspot_argv(ref_cfg, "poll"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )

    previous, points = 0, {"before fetch": 0, "mid poll": 0, "after poll": 0}
    for r in range(KILL_ROUNDS):
        current["round"] = r
        cfg = write_config(tmp_path, _sources(server, str(r)))
        seen = len(server.requests)
        fetched.clear()
        log = tmp_path / f"daemon-{r}.log"
        d = daemons(cfg, log)
        if rng.random() < 0.2:  # anywhere from start-up on
            deadline = time.monotonic() + rng.uniform(0.0, 2.5)
            wait_for(lambda: time.monotonic() >= deadline or not d.alive(), 5, "kill time")
        else:  # after the fetch began: parsing, ingesting, committing or saving state
            # (fetching and storing 2 x 406 items takes ~0.2-0.4 s: most kills land inside)
            assert fetched.wait(30), f"round {r}: no request from the daemon\n{d.log()}"
            time.sleep(rng.uniform(0.0, 0.15))
        assert d.alive(), d.log()
        d.kill9()
        text = d.log()
        assert_no_traceback(text)
        done = text.count("poll source=")
        points[
            "after poll"
            if done >= 2
            else "mid poll"
            if len(server.requests) > seen
            else "before fetch"
        ] += 1
        if db.exists():
            check = db_check(db)
            assert check["integrity"] == "ok", f"round {r}: {check}"
            assert check["dupes"] == [], f"round {r}: duplicate alerts {check['dupes']}"
            assert check["alerts"] >= previous, f"round {r}: alerts went {previous} -> {check}"
            previous = check["alerts"]

    print(f"kill points: {points}")
    assert sum(points.values()) == KILL_ROUNDS
    assert points["mid poll"] >= KILL_ROUNDS // 3, points  # most kills land inside a poll

    # A final clean poll of the full lists: every alert the reference has is here too.
    final = write_config(
        tmp_path,
        [
            {"name": "a_final", "url": server.url("/full")},
            {"name": "b_final", "url": server.url("/full")},
        ],
    )
    r = run_cli("poll", config=final)
    assert r.returncode == 0, r.stderr
    assert_no_traceback(r.stderr)
    assert reference.wait(60) == 0, reference.stderr.read()
    expected = alerted_titles(ref_dir / "hotspot.db") & set(TITLES)
    assert expected, "the reference poll raised no alerts: fixture titles no longer match"
    got = alerted_titles(db) & set(TITLES)
    assert expected <= got, f"lost alerts for {sorted(expected - got)}"
    check = db_check(db)
    assert check["integrity"] == "ok" and check["dupes"] == []
    assert check["alerts"] >= previous


@pytest.mark.parametrize("moment", ["fetching", "processing"])
def test_sigterm_during_a_poll_exits_0_within_5s(tmp_path, server, daemons, moment):
    fetched = threading.Event()
    if moment == "fetching":  # the server holds the response: SIGTERM abandons the fetch
        reply = Reply(200, weibo_json(SMALL_LIST), delay=8.0)
    else:  # a long list of new items: SIGTERM arrives while it is parsed and stored
        reply = Reply(200, weibo_json(SMALL_LIST + _filler("T", 800)))
    server.routes["/a"] = lambda h: (fetched.set(), reply)[1]
    server.routes["/b"] = Reply(200, weibo_json(TITLES[5:10]))
    cfg = write_config(tmp_path, _sources(server, ""))
    d = daemons(cfg, tmp_path / "daemon.log")
    assert fetched.wait(30), d.log()
    if moment == "processing":
        time.sleep(0.05)  # the body is on its way: parsing/storing starts now
    d.signal(signal.SIGTERM)
    code = d.wait(30)  # a hang fails here; how fast it stops is benchmarks/' business
    assert code == 0, d.log()
    text = d.log()
    assert "received SIGTERM, stopping" in text and "hotspot stopped" in text
    assert_no_traceback(text)
    check = db_check(tmp_path / "hotspot.db")
    assert check["integrity"] == "ok" and check["dupes"] == []
    # Nothing half-written: a source either has its items and state, or neither.
    conn = sqlite3.connect(str(tmp_path / "hotspot.db"))
    try:
        polled = {r[0] for r in conn.execute("SELECT source FROM source_state")}
        stored = {r[0] for r in conn.execute("SELECT DISTINCT source FROM items")}
    finally:
        conn.close()
    # The source being stored when SIGTERM came was finished (items and state); the next
    # one was not started.
    assert stored == polled and polled <= {"a", "b"}, (polled, stored)
    if moment == "fetching":  # the fetch in flight was abandoned: nothing of "a" was written
        # ("b" answers at once and is processed as soon as it arrives, so it may be stored)
        assert "a" not in polled and "a" not in stored, (polled, stored)


def test_sighup_with_a_broken_config_keeps_the_old_one(tmp_path, server, daemons):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    server.routes["/b"] = Reply(200, weibo_json(TITLES[5:10]))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    good_text = cfg.read_text(encoding="utf-8")
    d = daemons(cfg, tmp_path / "daemon.log")
    wait_for(lambda: "poll source=a " in d.log(), 30, "the first poll")

    for broken in (
        "[hotspot\ndatabase = = 'x'\n",  # not TOML at all
        good_text.replace('interval = "10s"', 'interval = "1s"'),
    ):  # a bad value
        before = d.log().count("config reload failed")
        cfg.write_text(broken, encoding="utf-8")
        d.signal(signal.SIGHUP)
        wait_for(
            lambda: d.log().count("config reload failed") > before or not d.alive(),
            15,
            "the reload error",
        )
        assert d.alive(), d.log()
        line = [ln for ln in d.log().splitlines() if "config reload failed" in ln][-1]
        assert "keeping the running config" in line and str(cfg) in line, line
    assert_no_traceback(d.log())

    # A valid, changed config is taken: the new source is polled at once.
    cfg.write_text(
        good_text.replace(
            "[[accounts]]",
            '[[sources]]\nname = "b"\ntype = "weibo"\n'
            f'interval = "10s"\nurl = "{server.url("/b")}"\n\n'
            "[[accounts]]",
        ),
        encoding="utf-8",
    )
    d.signal(signal.SIGHUP)
    wait_for(lambda: "config reloaded: 2 sources" in d.log() or not d.alive(), 15, "the reload")
    wait_for(lambda: "poll source=b " in d.log() or not d.alive(), 15, "a poll of the new source")
    assert d.alive(), d.log()
    d.signal(signal.SIGTERM)
    assert d.wait(10) == 0, d.log()
    assert_no_traceback(d.log())


def test_two_daemons_on_one_database(tmp_path, server, daemons):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    first = daemons(cfg, tmp_path / "first.log")
    wait_for(lambda: "hotspot running" in first.log() or not first.alive(), 30, "first daemon")
    second = daemons(cfg, tmp_path / "second.log")
    poll = subprocess.Popen(
        hotspot_argv(cfg, "poll"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    code = second.wait(30)
    assert code != 0
    msg = second.log().strip()
    assert "in use by another hotspot process" in msg and f"pid {first.proc.pid}" in msg, msg
    assert len(msg.splitlines()) == 1 and msg.startswith("error: "), msg
    _, err = poll.communicate(timeout=30)
    assert poll.returncode != 0 and "in use by another hotspot process" in err, err
    assert first.alive()
    first.signal(signal.SIGTERM)
    assert first.wait(10) == 0
    assert db_check(tmp_path / "hotspot.db")["integrity"] == "ok"


def _history(path: Path, first: int, snapshots: int, per_snapshot: int) -> int:
    """Hot-list history as ``hotspot import`` reads it: snapshots every 10 minutes."""
    cities = ["北京", "上海", "广州", "深圳", "成都", "重庆", "杭州", "西安", "武汉", "南京"]
    topics = [
        "奶茶店",
        "火锅节",
        "地铁线",
        "马拉松",
        "博物馆",
        "餐厅街",
        "音乐节",
        "图书馆",
        "烧烤季",
        "科技园",
        "甜品展",
        "动物园",
    ]
    start = datetime(2024, 5, 1, tzinfo=UTC)
    rows = 0
    with path.open("w", encoding="utf-8") as fh:
        for s in range(first, first + snapshots):
            at = (start + timedelta(minutes=10 * s)).isoformat()
            for i in range(per_snapshot):
                n = s * 7 + i
                title = f"{cities[n % 10]}{topics[(n // 10) % 12]}第{n % 97}期活动"
                fh.write(
                    json.dumps(
                        {
                            "platform": "weibo",
                            "snapshot_time": at,
                            "rank": i + 1,
                            "title": title,
                            "heat": 100_000 - i,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                rows += 1
    return rows


def test_cli_queries_during_heavy_writes(tmp_path, server):
    """Readers query while imports (600 rows each) run back to back until they are done."""
    cfg = write_config(tmp_path, [{"name": "a", "url": server.url("/a")}])
    stop = threading.Event()
    imports: list[subprocess.CompletedProcess] = []

    def writer() -> None:
        for k in range(20):
            if stop.is_set():
                return
            history = tmp_path / f"history-{k}.jsonl"
            assert _history(history, 12 * k, 12, 50) == 600
            imports.append(run_cli("import", "--no-learn", str(history), config=cfg, timeout=120))

    writing = threading.Thread(target=writer)
    writing.start()
    # an import commits 100 snapshots at a time: wait for the first one to land, so the
    # readers have rows to see while the next imports write
    wait_for(lambda: len(imports) >= 1, 60, "the first import to finish")
    results: list[tuple[str, int]] = []
    failures: list[str] = []

    def reader(args: tuple[str, ...]) -> None:
        for _ in range(4):
            r = run_cli(*args, "--format", "json", "--limit", "200", config=cfg)
            if r.returncode != 0 or "Traceback" in r.stderr:
                failures.append(f"{args}: exit {r.returncode}: {r.stderr[-500:]}")
                continue
            try:
                results.append((args[0], len(json.loads(r.stdout))))
            except ValueError:
                failures.append(f"{args}: not JSON: {r.stdout[:200]!r}")

    readers = [
        threading.Thread(target=reader, args=(a,))
        for a in (("alerts", "list"), ("hotspots", "list"))
    ]
    for t in readers:
        t.start()
    for t in readers:
        t.join(120)
    overlapped = writing.is_alive()  # the writer was still going when the readers finished
    stop.set()
    writing.join(120)
    assert overlapped, "the imports ended before the readers: no overlap was tested"
    assert failures == [], failures[:3]
    assert len(results) == 8
    assert any(n > 0 for name, n in results if name == "hotspots")
    assert imports
    for r in imports:
        assert r.returncode == 0 and "imported 600 rows" in r.stdout, r.stderr[-500:]
    check = db_check(tmp_path / "hotspot.db")
    assert check["integrity"] == "ok" and check["dupes"] == []


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused_databases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is a text file, not a database\n" * 100)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(str(other))
    conn.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
        "INSERT INTO users (name) VALUES ('alice'), ('bob');"
    )
    conn.close()
    newer = tmp_path / "newer.db"
    Store(newer).close()  # a real hotspot database of this version ...
    conn = sqlite3.connect(str(newer))
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('hotspot', '9999_from_the_future', '2030-01-01')"
    )  # ... then newer
    conn.commit()
    conn.execute("PRAGMA journal_mode = DELETE")  # fold the WAL in: one file to hash
    conn.close()
    return {
        "junk": (junk, "is not an SQLite file"),
        "other": (other, "is not a hotspot database"),
        "newer": (newer, "was written by a newer hotspot"),
    }


def test_foreign_and_newer_databases_are_refused_untouched(tmp_path, server):
    server.routes["/a"] = Reply(200, weibo_json(SMALL_LIST))
    cases = _refused_databases(tmp_path)
    procs = []
    for name, (path, _) in cases.items():
        before = _sha(path)
        cfg = write_config(
            tmp_path,
            [{"name": "a", "url": server.url("/a")}],
            database=path.name,
            name=f"{name}.toml",
        )
        for args in (("alerts", "list"), ("run",)):  # a reader and a writer
            procs.append(
                (
                    name,
                    path,
                    before,
                    args,
                    subprocess.Popen(
                        hotspot_argv(cfg, *args),
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    ),
                )
            )
    for name, path, before, args, p in procs:
        out, err = p.communicate(timeout=60)
        words = cases[name][1]
        assert p.returncode == 1, (name, args, p.returncode, err)
        assert err.startswith("error: database ") and words in err, (name, args, err)
        assert len(err.strip().splitlines()) == 1, err
        assert "not modified" in err, err
        assert _sha(path) == before, f"{name}: the file changed after {args}"
    for path, _ in cases.values():
        assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
