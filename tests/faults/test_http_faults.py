"""HTTP faults through ``hotspot poll`` against a real local server, one source per fault.

One config holds a good source beside one source per fault, so every poll also proves that
one bad source never stops the others. The scenario runs once per module (three polls:
faults, the same faults again, then every server healthy) and each test reads one row of it:

    fault                         expected
    timeout / refused / DNS       NetworkError, interval backoff, one clear line
    404                           HTTPStatusError, interval backoff
    403 / 418 / 432 / visitor     BlockedError, backoff from 10 min (+-10% jitter)
    429 / 503 with Retry-After    next poll no sooner than the server asked
    429 without Retry-After       ordinary backoff (not a block)
    500                           exponential growth across consecutive failures
    redirect loop                 "too many redirects"
    truncated / oversized body    NetworkError / TooLargeError (declared and streamed)
    HTML, garbage, empty body     ParseError naming what came back
    JSON with a wrong type        parsed from the body: a success
    ETag then 304                 unchanged, not an error; failures stay 0
"""

from __future__ import annotations

import email.utils
import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from .conftest import (
    NOT_A_LIST_PAGE,
    SMALL_LIST,
    TITLES,
    VISITOR_PAGE,
    LocalServer,
    Reply,
    assert_no_traceback,
    db_check,
    free_port,
    run_cli,
    status_by_source,
    weibo_json,
    write_config,
)

GOOD = weibo_json(SMALL_LIST)
OTHER_GOOD = weibo_json(TITLES[4:9])
BIG = weibo_json(TITLES * 10)  # ~20 KB, over the 4 KB cap configured below
INTERVAL = 100.0  # seconds; long enough that jitter and poll duration do not blur the ratios


def _etag_route(headers):
    if headers.get("if-none-match") == '"v1"':
        return Reply(304, headers={"ETag": '"v1"'})
    return Reply(
        200, OTHER_GOOD, headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}
    )


def _fault_routes(server: LocalServer) -> dict[str, Reply]:
    http_date = email.utils.formatdate(time.time() + 7200, usegmt=True)
    return {
        "/good": Reply(200, GOOD),
        "/slow": Reply(200, GOOD, delay=3.0),
        "/e404": Reply(404, b"<html>not here</html>", content_type="text/html"),
        "/b403": Reply(403, b"forbidden", content_type="text/plain"),
        "/b418": Reply(418, b"", content_type="text/plain"),
        "/b432": Reply(432, b"", content_type="text/plain"),
        "/r429": Reply(429, b"slow down", {"Retry-After": "3600"}, content_type="text/plain"),
        "/r429n": Reply(429, b"slow down", content_type="text/plain"),
        "/r503": Reply(503, b"maintenance", {"Retry-After": http_date}, content_type="text/plain"),
        "/e500": Reply(500, b"oops", content_type="text/plain"),
        "/loop": Reply(302, b"", {"Location": server.url("/loop")}),
        "/trunc": Reply(200, GOOD, truncate_at=len(GOOD) // 2),
        "/big": Reply(200, BIG),
        "/bigchunk": Reply(200, BIG, chunked=True),
        "/html": Reply(200, NOT_A_LIST_PAGE),  # HTML served as application/json
        "/garbage": Reply(200, bytes(range(256)) * 4, content_type="application/octet-stream"),
        "/empty": Reply(200, b""),
        "/visitor": Reply(200, VISITOR_PAGE, content_type="text/html; charset=utf-8"),
        "/wrongtype": Reply(200, OTHER_GOOD, content_type="text/html"),
        "/etag": _etag_route,
        "/jl": Reply(
            200,
            json.dumps(
                {"code": 200, "data": [{"title": t} for t in SMALL_LIST]}, ensure_ascii=False
            ).encode(),
        ),
    }


#: source name -> (path, expected words in its error line, kind of backoff)
FAULTS = {
    "timeout": ("/slow", "timed out", "interval"),
    "refused": (None, "cannot reach", "interval"),
    "dns": (None, "cannot reach", "interval"),
    "e404": ("/e404", "HTTP 404", "interval"),
    "b403": ("/b403", "blocked by the platform (HTTP 403)", "block"),
    "b418": ("/b418", "blocked by the platform (HTTP 418)", "block"),
    "b432": ("/b432", "blocked by the platform (HTTP 432)", "block"),
    "visitor": ("/visitor", "Sina Visitor System", "block"),
    "r429": ("/r429", "HTTP 429 (rate limited)", "retry-after"),
    "r429n": ("/r429n", "HTTP 429 (rate limited)", "interval"),
    "r503": ("/r503", "HTTP 503 (server error)", "retry-after-date"),
    "e500": ("/e500", "HTTP 500 (server error)", "interval"),
    "loop": ("/loop", "too many redirects", "interval"),
    "trunc": ("/trunc", "cannot reach", "interval"),
    "big": ("/big", "http.max_bytes", "interval"),
    "bigchunk": ("/bigchunk", "http.max_bytes", "interval"),
    "html": ("/html", "not a Weibo hot list", "interval"),
    "garbage": ("/garbage", "expected Weibo JSON or HTML", "interval"),
    "empty": ("/empty", "but got an empty body", "interval"),
}
HEALTHY = ("good", "wrongtype", "etag")
#: faults whose server can be made healthy for the recovery poll
RECOVERABLE = [n for n, (path, _, _) in FAULTS.items() if path]


class Scenario:
    """What three polls of the fault config produced (filled in by the fixture below)."""

    config: Path
    db: Path
    polls: list  # [(started, finished, CompletedProcess, status-by-source)]
    checks: list  # db_check after each poll
    server: LocalServer


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    tmp = tmp_path_factory.mktemp("http_faults")
    server = LocalServer()
    routes = _fault_routes(server)
    server.routes.update(routes)
    sources = [
        {"name": n, "url": server.url(p)}
        for n, p in [("good", "/good"), ("wrongtype", "/wrongtype"), ("etag", "/etag")]
    ]
    for name, (path, _, _) in FAULTS.items():
        url = {
            "refused": f"http://127.0.0.1:{free_port()}/list",
            "dns": "http://hotspot-fault-test.invalid/list",
        }.get(name) or server.url(path)
        sources.append({"name": name, "url": url, "interval": f"{int(INTERVAL)}s"})
    sources.append({"name": "jl", "type": "jsonlist", "url": server.url("/jl")})
    config = write_config(
        tmp,
        sources,
        http={"read_timeout": "1s", "connect_timeout": "2s", "max_bytes": 4096, "max_redirects": 3},
    )
    s = Scenario()
    s.config, s.db, s.polls, s.checks, s.server = config, tmp / "hotspot.db", [], [], server

    def poll() -> None:
        started = time.time()
        r = run_cli("poll", "--format", "json", config=config)
        finished = time.time()
        s.polls.append((started, finished, r, status_by_source(config)))
        s.checks.append(db_check(s.db))

    poll()
    poll()
    for name in RECOVERABLE:  # every server heals; network faults stay (nothing to heal)
        server.routes[FAULTS[name][0]] = Reply(200, GOOD)
    poll()
    yield s
    server.close()


def _ts(iso: str | None) -> float:
    assert iso, "expected a time"
    return datetime.fromisoformat(iso).timestamp()


def _delay(s: Scenario, poll: int, name: str) -> tuple[float, float]:
    """Bounds on next_poll - (time of the failure), from the poll's start and end."""
    started, finished, _, status = s.polls[poll]
    nxt = _ts(status[name]["next_poll"])
    return nxt - finished, nxt - started + 1  # +1: stored times are whole seconds


def test_every_poll_completes_without_a_traceback(scenario):
    for _, _, r, _ in scenario.polls:
        assert r.returncode == 0, r.stderr  # the good sources succeed: not "all failed"
        assert_no_traceback(r.stderr)
        rows = {row["source"]: row for row in json.loads(r.stdout)}
        assert set(rows) >= set(FAULTS) | set(HEALTHY)


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_is_one_clear_line_naming_the_source(scenario, name):
    _, words, _ = FAULTS[name]
    for poll in (0, 1):
        _, _, r, status = scenario.polls[poll]
        row = {row["source"]: row for row in json.loads(r.stdout)}[name]
        assert row["error"] and words in row["error"], row
        assert "\n" not in row["error"]
        logged = [line for line in r.stderr.splitlines() if f"source={name} " in line]
        assert len(logged) == 1 and "failed" in logged[0] and words in logged[0], r.stderr
        st = status[name]
        assert st["last_error"] == row["error"]
        assert st["failures"] == poll + 1
        assert st["health"] == "failing"
        assert st["backoff_until"] == st["next_poll"]


@pytest.mark.parametrize("name", list(FAULTS))
def test_backoff_follows_the_kind_of_fault(scenario, name):
    kind = FAULTS[name][2]
    (lo1, hi1), (lo2, hi2) = _delay(scenario, 0, name), _delay(scenario, 1, name)
    if kind == "block":
        # BLOCK_BASE is 600 s with +-10% jitter, so the first block waits at least 9 min;
        # the second one doubles.
        assert hi1 >= 540 and lo1 <= 660 + 1, (lo1, hi1)
        assert hi2 >= 1080 and lo2 <= 1320 + 1, (lo2, hi2)
    elif kind == "retry-after":
        # next_poll - failure >= 3600 implies next_poll - (poll start) >= 3600, whenever in
        # the poll the failing source was processed (each is processed as it arrives)
        assert hi1 >= 3600 and hi2 >= 3600, (hi1, hi2)  # Retry-After: 3600
    elif kind == "retry-after-date":
        assert hi1 >= 7200 - 70 and hi2 >= 7200 - 70, (hi1, hi2)  # an HTTP date 2 h ahead
    else:  # exponential from the interval: x1 after one failure, x2 after two
        assert hi1 >= 0.9 * INTERVAL - 1 and lo1 <= 1.1 * INTERVAL + 1, (lo1, hi1)
        assert hi2 >= 1.8 * INTERVAL - 1 and lo2 <= 2.2 * INTERVAL + 1, (lo2, hi2)


def test_server_errors_back_off_exponentially(scenario):
    (_, hi1), (lo2, _) = _delay(scenario, 0, "e500"), _delay(scenario, 1, "e500")
    assert lo2 > 1.4 * hi1 - 10  # grows, with room for jitter and poll time


@pytest.mark.parametrize("name", RECOVERABLE)
def test_a_good_response_recovers(scenario, name):
    _, _, r, status = scenario.polls[2]
    row = {row["source"]: row for row in json.loads(r.stdout)}[name]
    assert row["error"] is None and row["items"] == len(SMALL_LIST), row
    st = status[name]
    assert st["failures"] == 0 and st["health"] == "ok" and st["last_success"], st
    assert _ts(st["next_poll"]) <= scenario.polls[2][1] + 1.1 * INTERVAL + 1


def test_network_faults_stay_failing_and_keep_escalating(scenario):
    for name in (
        "refused",
        "dns",
    ):
        assert scenario.polls[2][3][name]["failures"] == 3


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_sources_are_unaffected(scenario, name):
    for _, _, r, status in scenario.polls:
        row = {row["source"]: row for row in json.loads(r.stdout)}[name]
        assert row["error"] is None, row
        assert status[name]["failures"] == 0 and status[name]["health"] == "ok"


def test_alerts_of_other_sources_are_kept(scenario):
    counts = [c["alerts"] for c in scenario.checks]
    assert counts[0] > 0, "the good source raised no alert: fixture titles no longer match"
    assert counts == sorted(counts)
    for c in scenario.checks:
        assert c["integrity"] == "ok" and c["dupes"] == []


def test_304_is_unchanged_not_an_error(scenario):
    hits = scenario.server.hits("/etag")
    assert len(hits) == 3
    assert "if-none-match" not in hits[0]
    assert hits[1].get("if-none-match") == '"v1"'
    assert hits[1].get("if-modified-since") == "Mon, 01 Jan 2024 00:00:00 GMT"
    _, _, r, status = scenario.polls[1]
    assert "source=etag unchanged (304)" in r.stderr
    row = {row["source"]: row for row in json.loads(r.stdout)}["etag"]
    assert row["error"] is None and row["new"] == 0
    assert status["etag"]["failures"] == 0 and status["etag"]["last_error"] is None


def test_status_table_is_readable(scenario):
    r = run_cli("sources", "status", config=scenario.config)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["SOURCE", "TYPE", "HEALTH"]
    assert any(line.startswith("dns") and " down " in line for line in lines)  # 3 failures


# Regression guard: the jsonlist plugin's "url" option (an entry field path) once shadowed the
# source's own url, so every jsonlist source with a url failed ("url path 'http://...' leads
# nowhere"). Fixed in config.py (plugins cannot redefine the common keys).
def test_jsonlist_source_with_a_url_polls(scenario):
    _, _, r, status = scenario.polls[0]
    row = {row["source"]: row for row in json.loads(r.stdout)}["jl"]
    assert row["error"] is None and row["items"] == len(SMALL_LIST), row["error"]
    assert status["jl"]["failures"] == 0
