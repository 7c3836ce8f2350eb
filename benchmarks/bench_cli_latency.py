"""Benchmark 4 — CLI latency on a big database: 300,000 items, 3,000,000 observations and
1,000,000 alerts over 60 days (about 2% of the alerts in the last 24 h).

The database is generated with the real schema (``hotspot.storage.store.Store`` runs the migrations)
and raw ``executemany`` in one transaction, then cached under ``benchmarks/.cache/`` keyed
by GEN_VERSION and the schema's migrations (names and SQL), so reruns skip the generation.

Figures:    median wall time of 5 runs (after one warm-up) of
              python -m hotspot --config CFG alerts list --since 24h --limit 50
              python -m hotspot --config CFG hotspots list --search 哪吒
            as subprocesses (interpreter start-up included).
Reference:  ``python -c pass`` start-up, measured in the same run.
Target:     <= 0.3 s each; and neither jieba nor rjieba in sys.modules after a read command.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

GEN_VERSION = "cli-db-v1"
ITEMS = 300_000
OBS_PER_ITEM = 10  # -> 3,000,000 observations
ALERTS = 1_000_000
ITEMS_PER_EVENT = 2  # -> 150,000 events
DAYS = 60
ACCOUNTS = 100
TARGET = 0.3
COMMANDS = {
    "alerts list --since 24h --limit 50": ["alerts", "list", "--since", "24h", "--limit", "50"],
    "hotspots list --search 哪吒": ["hotspots", "list", "--search", "哪吒"],
}

_FALLBACK_TITLES = [
    "哪吒2票房破百亿",
    "新能源车降价潮",
    "高考志愿填报指南",
    "奶茶店排队三小时",
    "国足世预赛名单公布",
    "春节档电影预售",
    "手机厂商发布新品",
    "房价走势分析",
]


def _cache_key() -> str:
    from hotspot.storage.schema import MIGRATIONS

    schema = "|".join(name + sql for name, sql in MIGRATIONS)
    return hashlib.sha1(f"{GEN_VERSION}|{schema}".encode()).hexdigest()[:10]


def db_path() -> Path:
    return c.CACHE / f"cli-{_cache_key()}.db"


def ensure_db(verbose: bool = True) -> Path:
    """The cached big database, generated first if missing."""
    path = db_path()
    if path.exists() and time.time() - c.generated_at(path) < MAX_AGE:
        return path
    c.CACHE.mkdir(parents=True, exist_ok=True)
    for old in c.CACHE.glob("cli-*"):
        old.unlink()
    tmp = path.with_suffix(".partial")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    generate(tmp)
    tmp.rename(path)
    if verbose:
        print(
            f"cli latency: generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - t0:.0f}s"
        )
    return path


MAX_AGE = 6 * 3600  # "the last 24 h" is relative to the generation time: regenerate after 6 h


def generate(path: Path) -> None:
    from hotspot.storage.store import Store, bigrams

    store = Store(path)  # the migrations create the real schema
    store.close()
    rng = random.Random(42)
    titles = c.distinct_titles() if c.shared_available() else _FALLBACK_TITLES
    themes = [t["name"] for t in c.eval_themes()] if c.THEMES_FILE.exists() else ["美食"]
    platforms = [
        "weibo",
        "baidu",
        "zhihu",
        "toutiao",
        "douyin",
        "bilibili",
        "rss-36kr",
        "thepaper",
        "ithome",
        "sspai",
    ]
    now = int(time.time())
    start = now - DAYS * 86400
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    # drop secondary indexes during the load, recreate them after (same SQL as the schema)
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql "
        "IS NOT NULL AND tbl_name IN ('items','observations','alerts',"
        "'events','event_terms')"
    ).fetchall()
    conn.execute("BEGIN")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")

    n_events = ITEMS // ITEMS_PER_EVENT
    items, search, obs = [], [], []
    first_seen = sorted(rng.randrange(start, now - 600) for _ in range(ITEMS))
    item_ids = []
    for i in range(ITEMS):
        base = titles[i % len(titles)]
        title = base if i < len(titles) else f"{base}（{i // len(titles)}）"
        platform = platforms[i % len(platforms)]
        iid = f"{platform}:{hashlib.sha1(f'{platform}{i}'.encode()).hexdigest()[:16]}"
        item_ids.append(iid)
        fs = first_seen[i]
        ls = fs + (OBS_PER_ITEM - 1) * 120
        rank = rng.randint(1, 50)
        heat = rng.randint(10_000, 5_000_000)
        items.append(
            (
                iid,
                platform,
                platform,
                title,
                f"https://example.com/{platform}/{i}",
                None,
                None,
                None,
                0,
                0,
                None,
                fs,
                ls,
                rank,
                rank,
                heat,
                heat,
                "",
                1 + i // ITEMS_PER_EVENT,
                None,
            )
        )
        search.append((i + 1, bigrams(title)))
        for k in range(OBS_PER_ITEM):
            obs.append((iid, fs + k * 120, max(1, rank + rng.randint(-3, 3)), heat))
    conn.executemany(
        "INSERT INTO items (rowid, id, platform, source, title, url, summary, "
        "category, label, pinned, is_ad, published, first_seen, last_seen, "
        "best_rank, last_rank, max_heat, last_heat, tokens, event_id, extras) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(k + 1, *row) for k, row in enumerate(items)],
    )
    conn.executemany("INSERT INTO items_search (rowid, grams) VALUES (?, ?)", search)
    obs.sort()
    conn.executemany(
        "INSERT INTO observations (item_id, observed_at, rank, heat) VALUES (?,?,?,?)", obs
    )
    del obs, search
    conn.executemany(
        "INSERT INTO events (id, title, first_seen, last_seen, platforms, "
        "best_rank, heat, items, state) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                e + 1,
                items[e * ITEMS_PER_EVENT][3],
                items[e * ITEMS_PER_EVENT][11],
                items[e * ITEMS_PER_EVENT + ITEMS_PER_EVENT - 1][12],
                ",".join(
                    sorted({items[e * ITEMS_PER_EVENT + j][1] for j in range(ITEMS_PER_EVENT)})
                ),
                items[e * ITEMS_PER_EVENT][13],
                items[e * ITEMS_PER_EVENT][15],
                ITEMS_PER_EVENT,
                "fading",
            )
            for e in range(n_events)
        ],
    )
    # alert a -> event a % n_events, (account, theme) pair a // n_events: unique by design
    pairs = [
        (f"acct{k % ACCOUNTS:03d}", themes[(k // ACCOUNTS) % len(themes)])
        for k in range(ALERTS // n_events + 1)
    ]
    alerts = []
    for a in range(ALERTS):
        e = a % n_events
        item = e * ITEMS_PER_EVENT
        account, theme = pairs[a // n_events]
        terms = [theme]
        alerts.append(
            (
                account,
                theme,
                e + 1,
                item_ids[item],
                0.8,
                json.dumps(terms, ensure_ascii=False),
                json.dumps(
                    {
                        "score": 0.8,
                        "threshold": 0.5,
                        "evidence": [
                            {"term": theme, "weight": 0.8, "via": "keyword", "field": "title"}
                        ],
                    },
                    ensure_ascii=False,
                ),
                items[item][11] + rng.randint(0, 1200),
            )
        )
    alerts.sort(key=lambda r: r[7])
    # the accounts' alerts of one (event, theme) share one match: its terms and explanation
    match_of: dict[tuple[int, str], int] = {}
    for r in alerts:
        match_of.setdefault((r[2], r[1]), len(match_of) + 1)
    texts = {(r[2], r[1]): (r[5], r[6]) for r in alerts}
    conn.executemany(
        "INSERT INTO alert_matches (id, terms, explanation) VALUES (?,?,?)",
        [(m, *texts[key]) for key, m in match_of.items()],
    )
    conn.executemany(
        "INSERT INTO alerts (account, theme, event_id, item_id, score, match_id, "
        "created_at) VALUES (?,?,?,?,?,?,?)",
        [(*r[:5], match_of[(r[2], r[1])], r[7]) for r in alerts],
    )
    from hotspot.storage.schema import ALERT_SPANS_FROM_ALERTS

    conn.execute(ALERT_SPANS_FROM_ALERTS)  # each account's runs of ids, as 0007 builds them
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('bench_generated_at', ?)", (str(now),)
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def config_for(db: Path, tmp: Path) -> Path:
    cfg = tmp / "hotspot.toml"
    cfg.write_text(c.config_text(db), encoding="utf-8")
    return cfg


_NO_JIEBA = r"""
import sys
from hotspot.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="hotspot", standalone_mode=False)
finally:
    sys.stdout.flush()
    print("MODULES", int("jieba" in sys.modules), int("rjieba" in sys.modules),
          file=sys.stderr)
"""


def jieba_loaded(cfg: Path, args: list[str]) -> tuple[bool, bool]:
    _, p = c.timed_run([c.PY, "-c", _NO_JIEBA, "--config", str(cfg), *args], env=c.child_env())
    line = [ln for ln in p.stderr.splitlines() if ln.startswith("MODULES")][-1]
    _, j, r = line.split()
    return j == "1", r == "1"


def run() -> list[dict]:
    db = ensure_db()
    counts = {}
    conn = sqlite3.connect(db)
    since = int(time.time()) - 86400
    for t in ("items", "observations", "alerts"):
        counts[t] = (
            conn.execute(f"SELECT MAX(rowid) FROM {t}").fetchone()[0]
            if t != "observations"
            else ITEMS * OBS_PER_ITEM
        )
    recent = conn.execute("SELECT COUNT(*) FROM alerts WHERE created_at >= ?", (since,)).fetchone()[
        0
    ]
    conn.close()
    print(
        f"cli latency: db {db.name}: {counts['items']:,} items, {counts['observations']:,} "
        f"observations, {counts['alerts']:,} alerts ({recent:,} in the last 24h; cached, "
        f"regenerated when older than {MAX_AGE // 3600} h)"
    )
    out = []
    with tempfile.TemporaryDirectory(prefix="hotspot-bench-cli-") as tmp:
        cfg = config_for(db, Path(tmp))
        startup = c.median_wall([c.PY, "-c", "pass"])
        out_rows = []
        for label, args in COMMANDS.items():
            cmd = [c.PY, "-m", "hotspot", "--config", str(cfg), *args]
            _, p = c.timed_run(cmd, env=c.child_env())
            lines = len(p.stdout.splitlines())
            wall = c.median_wall(cmd, env=c.child_env())
            print(f"cli latency: {label}: {wall * 1000:.0f} ms median ({lines} output lines)")
            out_rows.append(
                c.result(
                    f"hotspot {label}",
                    wall,
                    "s",
                    f"python -c pass {startup * 1000:.0f} ms",
                    wall / startup,
                    f"<= {TARGET}s",
                    wall <= TARGET,
                )
            )
            j, r = jieba_loaded(cfg, args)
            out_rows.append(
                c.result(
                    f"  jieba/rjieba imported by {args[0]} {args[1]}",
                    int(j) + int(r),
                    "modules",
                    "",
                    None,
                    "0 (never)",
                    not j and not r,
                )
            )
        out += out_rows
    return out


if __name__ == "__main__":
    c.main(run)
