"""The database schema, as numbered migrations applied with ``sqlite_utils.Migrations``.
Never edit a released one: add the next to ``MIGRATIONS``. Times are integer Unix seconds
(UTC); the CLI shows them in the configured timezone.

The migrations are plain SQL here and the ``Migrations`` set is built only when one is
pending, so opening an up-to-date database (every read-only CLI command) does not import
sqlite-utils at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Migrations

MIGRATION_SET = "hotspot"

M0001_INITIAL = """
    CREATE TABLE items (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        source TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        summary TEXT,
        category TEXT,
        label TEXT,
        pinned INTEGER NOT NULL DEFAULT 0,
        is_ad INTEGER NOT NULL DEFAULT 0,
        published INTEGER,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        best_rank INTEGER,
        last_rank INTEGER,
        max_heat INTEGER,
        last_heat INTEGER,
        tokens TEXT NOT NULL DEFAULT '',
        summary_tokens TEXT,
        persons TEXT,
        event_id INTEGER,
        extras TEXT
    );
    CREATE INDEX items_last_seen ON items(last_seen);
    CREATE INDEX items_source_last_seen ON items(source, last_seen);
    CREATE INDEX items_event ON items(event_id);

    CREATE VIRTUAL TABLE items_search USING fts5(grams, content='', tokenize='unicode61');

    CREATE TABLE observations (
        item_id TEXT NOT NULL,
        observed_at INTEGER NOT NULL,
        rank INTEGER,
        heat INTEGER,
        PRIMARY KEY (item_id, observed_at)
    ) WITHOUT ROWID;

    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        platforms TEXT NOT NULL DEFAULT '',
        best_rank INTEGER,
        heat INTEGER,
        items INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'new',
        rising_at INTEGER,
        trend TEXT,
        terms TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_last_seen ON events(last_seen);
    CREATE TABLE event_terms (
        term TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        PRIMARY KEY (term, event_id)
    ) WITHOUT ROWID;

    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        theme TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        score REAL NOT NULL,
        terms TEXT NOT NULL,
        explanation TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (account, theme, event_id)
    );
    CREATE INDEX alerts_created ON alerts(created_at);
    CREATE INDEX alerts_account_created ON alerts(account, created_at);

    CREATE TABLE polls (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        items INTEGER NOT NULL DEFAULT 0,
        new_items INTEGER NOT NULL DEFAULT 0,
        alerts INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE INDEX polls_source_started ON polls(source, started_at);

    CREATE TABLE source_state (
        source TEXT PRIMARY KEY,
        last_attempt INTEGER,
        last_success INTEGER,
        last_error TEXT,
        last_error_at INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        failing_since INTEGER,
        backoff_until INTEGER,
        next_poll INTEGER,
        etag TEXT,
        last_modified TEXT,
        preferred_url TEXT,
        host_wait INTEGER NOT NULL DEFAULT 0,
        down_alerted INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE source_alerts (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        at INTEGER NOT NULL,
        message TEXT NOT NULL
    );

    CREATE TABLE digests (
        account TEXT NOT NULL,
        day TEXT NOT NULL,
        status TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        period_end INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt INTEGER,
        message_id TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        error TEXT,
        PRIMARY KEY (account, day)
    ) WITHOUT ROWID;

    CREATE TABLE deliveries (
        notifier TEXT NOT NULL,
        alert_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt INTEGER,
        sent_at INTEGER,
        error TEXT,
        PRIMARY KEY (notifier, alert_id)
    ) WITHOUT ROWID;

    CREATE TABLE learned_terms (
        scope TEXT NOT NULL,
        term TEXT NOT NULL,
        weight REAL NOT NULL,
        support INTEGER NOT NULL,
        PRIMARY KEY (scope, term)
    ) WITHOUT ROWID;

    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""

# Operator judgements on alerts, append-only: the newest row per alert is its current verdict.
# Written by `hotspot alerts mark`, the web workspace and the MCP server alike.
M0002_FEEDBACK = """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL,
        account TEXT NOT NULL,
        theme TEXT NOT NULL,
        event_id INTEGER,
        verdict TEXT NOT NULL CHECK (verdict IN ('useful', 'irrelevant', 'chased')),
        term TEXT,
        origin TEXT NOT NULL DEFAULT 'cli',
        at INTEGER NOT NULL
    );
    CREATE INDEX feedback_alert ON feedback (alert_id, id);
    CREATE INDEX feedback_scope ON feedback (account, theme);
"""

M0003_BENCHMARK_POSTS = """
    CREATE TABLE benchmark_posts (
        id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        summary TEXT,
        published INTEGER,
        first_seen INTEGER NOT NULL
    );
    CREATE INDEX benchmark_posts_account_time ON benchmark_posts(account, published);
    CREATE TABLE benchmark_links (
        post_id TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        similarity REAL NOT NULL,
        PRIMARY KEY (post_id, event_id)
    ) WITHOUT ROWID;
    CREATE INDEX benchmark_links_event ON benchmark_links(event_id);
"""

#: Digests partition the alerts by id: a sent digest holds the account's alerts with
#: ``alert_from < id <= alert_upto`` (see ``store_delivery``); ``retry_to`` lists recipients
#: a server refused for now (451) that are retried with the same message. Pushes record one
#: ``push_messages`` row per message BEFORE it is sent (status ``sending``), so a crash mid-POST
#: leaves it ``unconfirmed`` instead of resending; ``deliveries.message`` links the alerts to it.
M0004_DELIVERY_ONCE = """
    ALTER TABLE digests ADD COLUMN alert_from INTEGER;
    ALTER TABLE digests ADD COLUMN alert_upto INTEGER;
    ALTER TABLE digests ADD COLUMN retry_to TEXT;
    ALTER TABLE deliveries ADD COLUMN message INTEGER;
    CREATE TABLE push_messages (
        id INTEGER PRIMARY KEY,
        notifier TEXT NOT NULL,
        account TEXT NOT NULL DEFAULT '',
        alerts INTEGER NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        error TEXT
    );
    CREATE INDEX push_messages_notifier ON push_messages(notifier, started_at);
    CREATE INDEX deliveries_status ON deliveries(status);
"""

# The workspace's event page lists every alert of one event (all accounts and themes).
M0005_ALERTS_BY_EVENT = """
    CREATE INDEX alerts_event ON alerts (event_id);
"""

#: The rising detector's estimate on events (issue 13): the latest chance of reaching the
#: top 10 (and top 3), the expected minutes to it, the Chinese explanation of the flag, and
#: the follow-up marks of a story that comes back ("再度升温").
M0006_EVENT_ESTIMATES = """
    ALTER TABLE events ADD COLUMN rising_chance REAL;
    ALTER TABLE events ADD COLUMN rising_chance_top3 REAL;
    ALTER TABLE events ADD COLUMN rising_eta INTEGER;
    ALTER TABLE events ADD COLUMN rising_why TEXT;
    ALTER TABLE events ADD COLUMN follow_up_at INTEGER;
    ALTER TABLE events ADD COLUMN follow_up_why TEXT;
"""

#: The runs of ``alert_spans`` for alerts stored one by one: consecutive ids (in id order)
#: of one account and time form one run (the gaps-and-islands difference of row numbers).
#: Used by migration 0007 and by the benchmarks that load alerts in bulk.
ALERT_SPANS_FROM_ALERTS = """
    INSERT INTO alert_spans (account, created_at, lo, hi)
        SELECT account, created_at, MIN(id), MAX(id) FROM (
            SELECT id, account, created_at, ROW_NUMBER() OVER (ORDER BY id)
            - ROW_NUMBER() OVER (PARTITION BY account, created_at ORDER BY id) AS run
            FROM alerts)
        GROUP BY account, created_at, run;
"""

#: Alerts slim (issue 16). An agency's thousand accounts share a few hundred theme
#: definitions, so one match (definition x item) raises hundreds of alerts that carried the
#: same ~400-byte terms and explanation JSON each. Those now live once per match in
#: ``alert_matches``; the alert row keeps what is its own (account, theme, event, item,
#: score, time) and points at its match.
#:
#: The (account, time) index is replaced by ``alert_spans``: a poll's alerts get their ids
#: account by account, so each account's alerts of one poll are one run of ids, and one span
#: row (account, time, first id, last id) per account and poll finds them (a thousand rows a
#: poll instead of one index entry per alert, which cost a random b-tree insert each: two
#: thirds of a thousand-account poll). The uniqueness key leads with the event: a poll's
#: alerts land at its end (new events), and it serves the by-event lookups ``alerts_event``
#: did. Existing alerts keep their ids and values: the alerts of one event and item with the
#: same terms and explanation share one match, whose id is that of the first of them; their
#: spans are the runs of ``ALERT_SPANS_FROM_ALERTS``.
M0007_ALERT_MATCHES = (
    """
    CREATE TABLE alert_matches (
        id INTEGER PRIMARY KEY,
        terms TEXT NOT NULL,
        explanation TEXT NOT NULL
    );
    CREATE TEMP TABLE alert_match_of AS
        SELECT id, MIN(id) OVER (PARTITION BY event_id, item_id, terms, explanation)
        AS match_id FROM alerts;
    INSERT INTO alert_matches (id, terms, explanation)
        SELECT a.id, a.terms, a.explanation FROM temp.alert_match_of m
        JOIN alerts a ON a.id = m.id WHERE m.match_id = m.id ORDER BY a.id;
    CREATE TABLE alerts_slim (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        theme TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        score REAL NOT NULL,
        match_id INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (event_id, account, theme)
    );
    INSERT INTO alerts_slim (id, account, theme, event_id, item_id, score, match_id,
        created_at)
        SELECT a.id, a.account, a.theme, a.event_id, a.item_id, a.score, m.match_id,
        a.created_at FROM temp.alert_match_of m JOIN alerts a ON a.id = m.id ORDER BY a.id;
    DROP TABLE temp.alert_match_of;
    DROP TABLE alerts;
    ALTER TABLE alerts_slim RENAME TO alerts;
    CREATE INDEX alerts_created ON alerts(created_at);
    CREATE TABLE alert_spans (
        account TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        lo INTEGER NOT NULL,
        hi INTEGER NOT NULL,
        PRIMARY KEY (account, created_at, lo)
    ) WITHOUT ROWID;
    CREATE INDEX alert_spans_hi ON alert_spans(account, hi);
"""
    + ALERT_SPANS_FROM_ALERTS
)

#: (name, SQL) in order; the names are what ``_sqlite_migrations`` records.
MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", M0001_INITIAL),
    ("0002_feedback", M0002_FEEDBACK),
    ("0003_benchmark_posts", M0003_BENCHMARK_POSTS),
    ("0004_delivery_once", M0004_DELIVERY_ONCE),
    ("0005_alerts_by_event", M0005_ALERTS_BY_EVENT),
    ("0006_event_estimates", M0006_EVENT_ESTIMATES),
    ("0007_alert_matches", M0007_ALERT_MATCHES),
]
KNOWN = frozenset(name for name, _ in MIGRATIONS)


def migration_set() -> Migrations:
    from sqlite_utils import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, sql in MIGRATIONS:
        migrations(name=name)(lambda db, sql=sql: db.executescript(sql))
    return migrations
