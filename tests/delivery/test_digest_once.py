"""Digests lose nothing: every alert is in exactly one sent digest, through a real SMTP server
(aiosmtpd on 127.0.0.1), over random schedules of alerts, daemon ticks, early sends with any
day label, SMTP outages and restarts; ``digest preview``/``send`` work on the next digest; a
brand-new daemon mails nothing; a big account's mail stays far below Gmail's clip."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import tomllib
from pathlib import Path

from aiosmtpd.controller import Controller
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotspot.cli import cli
from hotspot.config import parse_config
from hotspot.delivery.digest import next_label
from hotspot.delivery.jobs import send_digest, send_due_digests
from hotspot.models import Hotspot
from hotspot.storage.store import Store
from tests.delivery.test_mailer_smtp import Recorder, free_port

SH = dt.timezone(dt.timedelta(hours=8))
T0 = int(dt.datetime(2026, 12, 3, 20, 0, tzinfo=SH).timestamp())
TITLE = re.compile(r"hotpot-A(\d+)")


def write_config(directory: Path, port: int, themes: int = 1) -> Path:
    theme_blocks = "".join(
        f'[[accounts.themes]]\nname = "美食{i}"\nkeywords = ["火锅{i}"]\n' for i in range(themes)
    )
    p = directory / "hotspot.toml"
    p.write_text(
        f"""
[hotspot]
database = "db.sqlite"
timezone = "Asia/Shanghai"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "hotspot@example.com"
timeout = "5s"
[[accounts]]
name = "美食组"
digest_to = ["ops@example.com"]
digest_at = "08:30"
{theme_blocks}""",
        encoding="utf-8",
    )
    return p


def load(path: Path, port: int | None = None):
    text = path.read_text(encoding="utf-8")
    if port is not None:
        text = re.sub(r"port = \d+", f"port = {port}", text)
    return parse_config(tomllib.loads(text), path)


def add_alert(store: Store, n: int, at: int, theme: str = "美食0", title: str | None = None) -> int:
    with store.transaction():
        h = Hotspot(
            id=f"i{n}",
            source="weibo",
            platform="weibo",
            title=title or f"hotpot-A{n} 火锅新闻",
            url=f"https://s.weibo.com/{n}",
            summary=None,
            category=None,
            rank=n % 50 + 1,
            heat=10_000 * (n + 1),
            label=None,
            pinned=False,
            is_ad=False,
            published=None,
            observed_at=dt.datetime.fromtimestamp(at, SH),
        )
        store.insert_item(h, ["火锅"], at)
        ev = store.create_event(h.title, at, ["火锅"])
        store.set_item_event(h.id, ev)
        aid = store.insert_alert(
            account="美食组",
            theme=theme,
            event_id=ev,
            item_id=h.id,
            score=0.9,
            terms=["火锅"],
            explanation={},
            at=at,
        )
    assert aid is not None
    return aid


def titles(msg) -> list[int]:
    """The alerts a digest lists (each once; the summary repeats the top ones)."""
    return sorted({int(x) for x in TITLE.findall(msg.get_body(("plain",)).get_content())})


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("alerts"), st.integers(1, 3)),
        st.tuples(st.just("wait"), st.integers(1, 40 * 60)),  # minutes, up to 40 h
        st.tuples(st.just("tick"), st.just(0)),
        st.tuples(st.just("early"), st.integers(-2, 2)),  # a send with a day label near now
        st.tuples(st.just("smtp"), st.booleans()),  # the server goes down / comes back
        st.tuples(st.just("restart"), st.just(0)),
    ),
    max_size=14,
)


def test_every_alert_is_in_exactly_one_sent_digest_over_random_schedules():
    rec = Recorder()
    port, dead = free_port(), free_port()
    controller = Controller(rec, hostname="127.0.0.1", port=port)
    controller.start()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(OPS)
    def run(ops):
        rec.messages.clear()
        with tempfile.TemporaryDirectory() as d:
            path = write_config(Path(d), port)
            config, store = load(path), Store(Path(d) / "db.sqlite")
            now, n, created = T0, 0, []
            store.mark_covered(now)  # the daemon started at T0
            for op, arg in ops:
                if op == "alerts":
                    for _ in range(arg):
                        created.append(add_alert(store, n, now))
                        n += 1
                elif op == "wait":
                    now += arg * 60
                elif op == "tick":
                    send_due_digests(config, store, now=now)
                elif op == "early":
                    day = (
                        dt.datetime.fromtimestamp(now, SH).date() + dt.timedelta(arg)
                    ).isoformat()
                    send_digest(config, store, config.accounts[0], day, now=now)
                elif op == "smtp":
                    config = load(path, port if arg else dead)
                elif op == "restart":
                    store.close()
                    store = Store(Path(d) / "db.sqlite")
            # the end: the server is up and the daemon runs on for a few days
            config = load(path, port)
            for _ in range(4):
                now += 86400
                send_due_digests(config, store, now=now)
            store.close()
        seen = sorted(a for m in rec.messages for a in titles(m))
        assert seen == sorted(range(n)), (seen, n)  # each alert once, none lost

    try:
        run()
    finally:
        controller.stop()


def test_preview_shows_and_send_sends_the_alerts_since_the_last_digest(tmp_path):
    rec = Recorder()
    port = free_port()
    controller = Controller(rec, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        path = write_config(tmp_path, port)
        store = Store(tmp_path / "db.sqlite")
        store.mark_covered(T0)
        config = load(path)
        add_alert(store, 0, T0)
        # yesterday's digest went out this morning; then a poll raised 3 alerts right now
        morning = int(dt.datetime.now(SH).replace(hour=0, minute=0).timestamp())
        day = next_label(config.accounts[0], morning, config.tz, None)
        assert send_digest(config, store, config.accounts[0], day, now=morning) == "sent"
        for i in (1, 2, 3):
            add_alert(store, i, morning + 60)
        store.close()
        runner = CliRunner()
        preview = runner.invoke(cli, ["--config", str(path), "digest", "preview"])
        assert preview.exit_code == 0, preview.output
        assert sorted({int(x) for x in TITLE.findall(preview.output)}) == [1, 2, 3]
        assert "3 alerts" in preview.output and len(rec.messages) == 1  # nothing sent
        sent = runner.invoke(cli, ["--config", str(path), "digest", "send"])
        assert sent.exit_code == 0 and ": sent" in sent.output, sent.output
        assert titles(rec.messages[-1]) == [1, 2, 3]
        # nothing is left for the next one
        again = runner.invoke(cli, ["--config", str(path), "digest", "preview"])
        assert TITLE.findall(again.output) == [] and "nothing matched" in again.output.lower()
    finally:
        controller.stop()


def test_a_big_account_is_capped_per_theme_and_far_below_gmails_clip(tmp_path):
    rec = Recorder()
    port = free_port()
    controller = Controller(rec, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        path = write_config(tmp_path, port, themes=3)
        store = Store(tmp_path / "db.sqlite")
        store.mark_covered(T0)
        long = "淄博烧烤带动周末客流，夜市摊主月入过万，外地游客排队两小时只为一口" * 2
        for i in range(150):  # 150 alerts: 100 in 美食0, 25 each in 美食1 and 美食2
            theme = "美食0" if i < 100 else f"美食{1 + i % 2}"
            add_alert(store, i, T0 + i, theme=theme, title=f"hotpot-A{i} {long}")
        config = load(path)
        assert send_due_digests(config, store, now=T0 + 86400) == ["sent"]
        (msg,) = rec.messages
        raw = msg.as_bytes()
        html = msg.get_body(("html",)).get_content()
        text = msg.get_body(("plain",)).get_content()
        assert len(raw) < 90_000 and len(html.encode()) < 102 * 1024
        assert "150 alerts" in text and "== 美食0 (100) ==" in text
        shown = titles(msg)
        assert 0 < len(shown) < 150
        more = re.search(
            r"and (\d+) more: (hotspot alerts list --account 美食组 --theme 美食0 \S.*)", text
        )
        assert more and int(more.group(1)) == 100 - sum(1 for a in shown if a < 100)
        assert "--since 24h" in more.group(2)
        # the top alerts by rank are the ones shown (heat grows with n: the newest rank first)
        assert max(a for a in shown if a < 100) == 99
        print(f"digest of 150 alerts: {len(raw)} bytes ({len(html.encode())} bytes of HTML)")
    finally:
        controller.stop()


def test_a_brand_new_daemon_mails_nothing_for_before_it_started(tmp_path):
    rec = Recorder()
    port = free_port()
    controller = Controller(rec, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        path = write_config(tmp_path, port)
        store = Store(tmp_path / "db.sqlite")
        start = int(dt.datetime(2026, 12, 3, 10, 0, tzinfo=SH).timestamp())  # after 08:30
        store.mark_covered(start)
        config = load(path)
        assert send_due_digests(config, store, now=start + 60) == []
        add_alert(store, 0, start + 120)
        assert send_due_digests(config, store, now=start + 3600) == []  # 08:30 was before
        tomorrow = start + 86400  # 10:00 the next day: 08:30 passed, covered since 10:00
        assert send_due_digests(config, store, now=tomorrow) == ["sent"]
        assert titles(rec.messages[0]) == [0]
    finally:
        controller.stop()
