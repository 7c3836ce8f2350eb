"""Benchmark 10 — agency scale: 1,000 accounts x 12 themes on one small machine.

The agency config is built here, not read from ../shared/eval: twelve theme templates as an
agency writes them (美食, 母婴育儿, 汽车 …), every account carrying all twelve; most accounts
use the templates unchanged, 30 % make one to three of them their own (their city or a brand
as an extra keyword, a stricter or looser ``min_score``, now and then an ``exclude``). So
there are 1,000 x 12 = 12,000 account themes but only a few hundred distinct definitions.

Figures, each set against the 1-account x 12-theme agency (the first account) in the same run:

(a) ``Engine.ingest`` of one 50-item hot list whose items are all new (first sighting: every
    item is segmented, grouped, matched and alerted), in a warm engine whose database holds
    the lists before it; CPU time (``time.process_time``), median of ``MEASURED`` lists after
    ``WARMUP``. Lists are real Weibo snapshots of ../shared/corpus a day apart (entries seen
    in an earlier list left out), else built-in titles. Target: <= 100 ms with 1,000
    accounts and <= 10x the 1-account figure.
(a') The same for consecutive hourly Weibo snapshots (a few entries new per list, the rest
    known: a running daemon's load, the lists of bench_processing), median of
    ``STEADY_MEASURED`` after ``STEADY_WARMUP``. Same targets.
(b) ``hotspot import --no-learn`` of the first ``IMPORT_DAYS`` full days of the corpus (all
    platforms) into a fresh database under each config, CPU time of the child process
    (``RUSAGE_CHILDREN``; interpreter start, config load and jieba included). Relearning is
    left out: it reads the history, not the themes, so it would only dilute the ratio.
    Target: 1,000 accounts / 1 account <= 10x.
(c) Peak RSS (``VmHWM``) of a daemon-like child: the 1,000-account config loaded, Store
    + Engine + Poller built as ``hotspot run`` builds them (no gap between polls of one
    host, as ``hotspot poll``), ``POLLS`` polls of a 50-item list served by a local server
    (four titles new per poll). Target: <= 250 MB.

``python benchmarks/bench_scale.py --profile`` prints where the 1,000-account ingest spends
its time instead (cProfile, top functions by own and cumulative time).
"""

from __future__ import annotations

import json
import logging
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

ACCOUNTS = 1000
ITEMS = 50
WARMUP = 1
MEASURED = 7
STEADY_WARMUP = 10
STEADY_MEASURED = 20
IMPORT_DAYS = 3
POLLS = 300
LIST_TARGET_MS = 100.0
RATIO_TARGET = 10.0
RSS_TARGET = 250.0
OWN_SHARE = 0.3  # accounts that make some of the templates their own
SEED = 16

# Twelve templates an agency might hand its accounts (written for this benchmark).
TEMPLATES: list[dict] = [
    {"name": "美食", "keywords": ["美食", "餐厅", "火锅", "奶茶", "小吃", "探店", "菜谱"]},
    {"name": "母婴育儿", "keywords": ["育儿", "宝宝", "孕妇", "母婴", "奶粉", "幼儿园", "二胎"]},
    {"name": "汽车", "keywords": ["汽车", "新能源车", "车企", "电动车", "SUV", "车展", "试驾"]},
    {"name": "数码科技", "keywords": ["手机", "芯片", "人工智能", "AI", "大模型", "笔记本"]},
    {"name": "影视娱乐", "keywords": ["电影", "电视剧", "综艺", "明星", "票房", "演唱会"]},
    {"name": "体育", "keywords": ["体育", "足球", "篮球", "奥运", "冠军", "世界杯", "比赛"]},
    {"name": "旅游出行", "keywords": ["旅游", "景区", "机票", "酒店", "自驾", "出境游"]},
    {"name": "财经", "keywords": ["股市", "A股", "基金", "央行", "经济", "楼市", "利率"]},
    {"name": "教育", "keywords": ["教育", "高考", "考研", "大学", "学生", "老师", "招生"]},
    {"name": "健康", "keywords": ["健康", "医院", "医生", "养生", "疫苗", "减肥", "睡眠"]},
    {"name": "游戏", "keywords": ["游戏", "手游", "电竞", "玩家", "主机游戏", "王者荣耀"]},
    {"name": "时尚", "keywords": ["时尚", "穿搭", "美妆", "口红", "奢侈品", "时装周"]},
]
CITIES = [
    "成都",
    "杭州",
    "广州",
    "深圳",
    "武汉",
    "西安",
    "重庆",
    "南京",
    "长沙",
    "苏州",
    "郑州",
    "青岛",
    "厦门",
    "天津",
    "昆明",
    "沈阳",
]
BRANDS = {
    "美食": ["海底捞", "喜茶", "蜜雪冰城", "瑞幸"],
    "母婴育儿": ["飞鹤", "好孩子"],
    "汽车": ["比亚迪", "特斯拉", "理想", "小鹏", "蔚来", "吉利"],
    "数码科技": ["华为", "小米", "vivo", "OPPO", "荣耀"],
    "影视娱乐": ["爱奇艺", "芒果TV"],
    "体育": ["中超", "CBA", "NBA"],
    "旅游出行": ["携程", "迪士尼"],
    "财经": ["茅台", "宁德时代"],
    "教育": ["新东方", "学而思"],
    "健康": ["中医", "体检"],
    "游戏": ["原神", "米哈游", "网易游戏"],
    "时尚": ["优衣库", "李宁", "安踏"],
}
EXCLUDES = ["广告", "招聘", "事故"]


def agency(accounts: int = ACCOUNTS, seed: int = SEED) -> list[tuple[str, list[dict]]]:
    """(account name, its twelve themes as dicts) — deterministic for one seed."""
    rnd = random.Random(seed)
    out = []
    for a in range(accounts):
        themes = [dict(t, keywords=list(t["keywords"])) for t in TEMPLATES]
        if a and rnd.random() < OWN_SHARE:  # account 0 keeps the templates: the reference
            city = rnd.choice(CITIES)
            for t in rnd.sample(themes, rnd.randint(1, 3)):
                r = rnd.random()
                if r < 0.45:
                    t["keywords"].append(city)
                elif r < 0.75:
                    t["keywords"].append(rnd.choice(BRANDS[t["name"]]))
                elif r < 0.92:
                    t["min_score"] = rnd.choice([0.4, 0.45, 0.6, 0.7])
                else:
                    t["exclude"] = [rnd.choice(EXCLUDES)]
        out.append((f"acct{a:04d}", themes))
    return out


def theme_pairs(accounts: list[tuple[str, list[dict]]]):
    from hotspot.config import ThemeConfig

    return [
        (
            name,
            ThemeConfig(
                name=t["name"],
                keywords=tuple(t["keywords"]),
                exclude=tuple(t.get("exclude", ())),
                min_score=t.get("min_score", 0.5),
            ),
        )
        for name, themes in accounts
        for t in themes
    ]


def config_toml(database: Path, accounts: list[tuple[str, list[dict]]], extra: str = "") -> str:
    q = c.toml_str
    lines = ["[hotspot]", f"database = {q(str(database))}", extra, ""]
    for name, themes in accounts:
        lines += ["[[accounts]]", f"name = {q(name)}", ""]
        for t in themes:
            lines += ["[[accounts.themes]]", f"name = {q(t['name'])}"]
            lines.append("keywords = [" + ", ".join(q(k) for k in t["keywords"]) + "]")
            if "exclude" in t:
                lines.append("exclude = [" + ", ".join(q(k) for k in t["exclude"]) + "]")
            if "min_score" in t:
                lines.append(f"min_score = {t['min_score']}")
            lines.append("")
    return "\n".join(lines)


# -- (a) one all-new list through Engine.ingest ---------------------------------------------
BUILTIN_TITLES = [
    "成都一火锅店推出熊猫造型锅底",
    "杭州亚运场馆免费开放",
    "国产大模型开源新版本",
    "新能源车企公布三月交付量",
    "高考报名人数创新高",
    "春节档电影总票房突破80亿",
    "国足世预赛名单公布",
    "央行宣布降准0.5个百分点",
    "多地幼儿园延长托管时间",
    "五一假期热门景区门票预约",
    "医生提醒春季过敏高发",
    "王者荣耀新英雄上线",
    "巴黎时装周中国设计师亮相",
    "奶茶品牌推出春季限定",
    "手机厂商发布折叠屏新品",
    "演唱会门票开售秒空",
    "马拉松赛事报名启动",
    "机票价格跌至年内低点",
    "A股三大指数集体收涨",
    "考研国家线公布",
    "专家解读新版膳食指南",
    "电竞战队夺得春季赛冠军",
    "口红品牌被曝虚假宣传",
    "宝宝奶粉新国标实施",
    "电动车新国标下月起执行",
]
PLACES = ["", "北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆"]


def hot_lists(n: int) -> list[tuple[str, datetime, list]]:
    """``n`` 50-item lists whose entries are all new to each other: real Weibo snapshots a
    day apart when the corpus is present, else the built-in titles prefixed by a place."""
    from hotspot.models import RawItem

    if c.corpus_files():
        from hotspot.ingest.history import read_snapshots

        files = [Path(f) for f in c.corpus_files() if "weibo" in Path(f).name]
        snaps = [s for s in read_snapshots(files, []) if len(s.items) >= ITEMS]
        seen: set[str] = set()
        out = []
        last = None
        for s in snaps:
            if last is not None and (s.at - last).total_seconds() < 86400:
                continue
            fresh = [it for it in s.items if it.title not in seen and not it.pinned]
            if len(fresh) < ITEMS:
                continue
            fresh = fresh[:ITEMS]
            seen.update(it.title for it in fresh)
            out.append(("weibo", s.at, fresh))
            last = s.at
            if len(out) == n:
                return out
    base = datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp()
    out = []
    for k in range(n):
        titles = [f"{PLACES[(k + j) % len(PLACES)]}{t}" for j, t in enumerate(BUILTIN_TITLES)]
        titles += [f"{t}引热议" for t in titles]
        items = [
            RawItem(title=t, rank=i + 1, heat=2_000_000 - 30_000 * i)
            for i, t in enumerate(titles[:ITEMS])
        ]
        out.append(("weibo", datetime.fromtimestamp(base + 86400 * k, UTC), items))
    return out


def steady_lists(n: int) -> list[tuple[str, datetime, list]]:
    """``n`` consecutive hourly Weibo snapshots (first 50 entries): what a running daemon
    ingests, a few entries new per list and the rest known (bench_processing's lists)."""
    from hotspot.ingest.history import read_snapshots

    files = [Path(f) for f in c.corpus_files() if "weibo" in Path(f).name]
    snaps = [s for s in read_snapshots(files, []) if len(s.items) >= ITEMS]
    return [("weibo", s.at, list(s.items[:ITEMS])) for s in snaps[:n]]


def measure_ingest(pairs, lists, profile=None, *, warmup=WARMUP, all_new=True) -> dict:
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.engine import Engine
    from hotspot.storage.store import Store

    with tempfile.TemporaryDirectory(prefix="hotspot-bench-scale-") as tmp:
        store = Store(Path(tmp) / "hotspot.db")
        t0 = time.process_time()
        engine = Engine(store, pairs, load_verticals())
        build = time.process_time() - t0
        cpu, alerts, new = [], [], []
        for i, (platform, at, items) in enumerate(lists):
            if profile is not None and i >= warmup:
                profile.enable()
            t0 = time.process_time()
            r = engine.ingest(platform, platform, items, at)
            dt = time.process_time() - t0
            if profile is not None:
                profile.disable()
            assert not all_new or r.new_items == len(items), "a list was not all new"
            if i >= warmup:
                cpu.append(dt)
                alerts.append(len(r.alert_ids))
                new.append(r.new_items)
        store.close()
    return {
        "ms": statistics.median(cpu) * 1000,
        "alerts": statistics.mean(alerts),
        "new": statistics.mean(new),
        "build_s": build,
        "distinct": len(engine.matcher._themes),
    }


# -- (b) hotspot import of a few days -------------------------------------------------------
def import_files(tmp: Path, days: int) -> tuple[list[Path], int]:
    """The first ``days`` full calendar days (UTC+8) of the corpus, every platform, as JSON
    Lines in ``tmp``; and how many rows they hold."""
    per_file = {}
    for f in c.corpus_files():
        with open(f, encoding="utf-8") as fh:
            per_file[f] = [
                (json.loads(line).get("snapshot_time", "")[:10], line)
                for line in fh
                if line.strip()
            ]
    count: dict[str, int] = {}
    for rows in per_file.values():
        for d, _ in rows:
            count[d] = count.get(d, 0) + 1
    full = [d for d in sorted(count) if d and count[d] >= 0.5 * max(count.values())]
    wanted = set(full[:days])  # the corpus starts with a partial day
    out, n = [], 0
    for f, rows in per_file.items():
        lines = [line for d, line in rows if d in wanted]
        path = tmp / Path(f).name
        path.write_text("".join(lines), encoding="utf-8")
        out.append(path)
        n += len(lines)
    return out, n


def child_cpu(cmd: list[str]) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True, env=c.child_env())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed ({p.returncode}): {p.stderr[-2000:]}")
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used, p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""


def measure_import(accounts, tmp: Path, files: list[Path], tag: str) -> tuple[float, str]:
    cfg = tmp / f"{tag}.toml"
    cfg.write_text(config_toml(tmp / f"{tag}.db", accounts), encoding="utf-8")
    cmd = [c.PY, "-m", "hotspot", "--config", str(cfg), "import", "--no-learn"]
    return child_cpu(cmd + [str(f) for f in files])


# -- (c) daemon-like memory -----------------------------------------------------------------
_DAEMON = r"""
import dataclasses, json, logging, sys
from hotspot.config import load_config
from hotspot.engine import Engine
from hotspot.poller import Poller
from hotspot.ingest.registry import load_plugins
from hotspot.storage.store import Store

def hwm_mb():  # this process's own peak: ru_maxrss would include the parent's at the fork
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

cfg, polls = sys.argv[1], int(sys.argv[2])
logging.basicConfig(level=logging.WARNING)
plugins = load_plugins(())
# no gap between polls of the one local host (as `hotspot poll` does: the floor is 1 s)
config = dataclasses.replace(load_config(cfg, plugins), min_host_interval=0.0)
store = Store(config.database)
engine = Engine.from_config(config, store)
poller = Poller(config, store, engine, plugins)
built = hwm_mb()
errors = 0
for i in range(polls):
    errors += sum(1 for r in poller.poll() if r.error)
print(json.dumps({"built": built, "peak": hwm_mb(),
                  "errors": errors, "items": store.count("items"), "alerts": store.count("alerts")}))
"""


def measure_rss(accounts) -> dict:
    titles = c.distinct_titles() if c.corpus_files() else BUILTIN_TITLES * 40
    with (
        c.HotListServer(c.rotating_lister(titles, ITEMS, step=4)) as srv,
        tempfile.TemporaryDirectory(prefix="hotspot-bench-scale-rss-") as tmp,
    ):
        cfg = Path(tmp) / "hotspot.toml"
        text = config_toml(Path(tmp) / "hotspot.db", accounts)
        source = (
            f'[[sources]]\nname = "list"\ntype = "jsonlist"\nurl = {c.toml_str(srv.url("/l/0"))}'
            '\ninterval = "1m"\n\n'
        )
        cfg.write_text(text.replace("\n[[accounts]]", "\n" + source + "[[accounts]]", 1))
        _, p = c.timed_run([c.PY, "-c", _DAEMON, str(cfg), str(POLLS)], env=c.child_env())
        return json.loads(p.stdout.strip().splitlines()[-1])


# -- the benchmark --------------------------------------------------------------------------
def run() -> list[dict]:
    logging.getLogger("hotspot").setLevel(logging.WARNING)
    big = agency(ACCOUNTS)
    one = big[:1]
    lists = hot_lists(WARMUP + MEASURED)
    small_m = measure_ingest(theme_pairs(one), lists)
    big_m = measure_ingest(theme_pairs(big), lists)
    print(
        f"scale: one all-new {ITEMS}-item list: 1 acct {small_m['ms']:.1f} ms CPU "
        f"({small_m['alerts']:.0f} alerts), {ACCOUNTS} acct {big_m['ms']:.1f} ms CPU "
        f"({big_m['alerts']:.0f} alerts, {big_m['distinct']} distinct definitions, engine "
        f"built in {big_m['build_s']:.1f} s CPU)"
    )
    ratio = big_m["ms"] / small_m["ms"]
    out = [
        c.result(
            f"ingest all-new 50-item list, {ACCOUNTS} acct x 12 themes",
            big_m["ms"],
            "ms CPU",
            f"1 acct {small_m['ms']:.1f} ms",
            ratio,
            f"<= {LIST_TARGET_MS:.0f} ms, <= {RATIO_TARGET:.0f}x",
            big_m["ms"] <= LIST_TARGET_MS and ratio <= RATIO_TARGET,
        ),
        c.result(
            f"  alerts per list, {ACCOUNTS} acct",
            big_m["alerts"],
            "",
            f"1 acct {small_m['alerts']:.0f}",
            big_m["alerts"] / small_m["alerts"] if small_m["alerts"] else None,
            "",
            None,
        ),
    ]
    if c.corpus_files():
        steady = steady_lists(STEADY_WARMUP + STEADY_MEASURED)
        kw = {"warmup": STEADY_WARMUP, "all_new": False}
        small_s = measure_ingest(theme_pairs(one), steady, **kw)
        big_s = measure_ingest(theme_pairs(big), steady, **kw)
        print(
            f"scale: consecutive hourly lists ({big_s['new']:.0f} of {ITEMS} new): 1 acct "
            f"{small_s['ms']:.1f} ms CPU, {ACCOUNTS} acct {big_s['ms']:.1f} ms CPU "
            f"({big_s['alerts']:.0f} alerts per list)"
        )
        ratio = big_s["ms"] / small_s["ms"]
        out.append(
            c.result(
                f"ingest consecutive 50-item list, {ACCOUNTS} acct",
                big_s["ms"],
                "ms CPU",
                f"1 acct {small_s['ms']:.1f} ms",
                ratio,
                f"<= {LIST_TARGET_MS:.0f} ms, <= {RATIO_TARGET:.0f}x",
                big_s["ms"] <= LIST_TARGET_MS and ratio <= RATIO_TARGET,
            )
        )
        with tempfile.TemporaryDirectory(prefix="hotspot-bench-scale-import-") as tmp_name:
            tmp = Path(tmp_name)
            files, rows = import_files(tmp, IMPORT_DAYS)
            small_s, small_said = measure_import(one, tmp, files, "one")
            big_s, big_said = measure_import(big, tmp, files, "big")
        print(f"scale: import 1 acct: {small_said}")
        print(f"scale: import {ACCOUNTS} acct: {big_said}")
        ratio = big_s / small_s
        out.append(
            c.result(
                f"import {IMPORT_DAYS} days ({rows:,} rows), {ACCOUNTS} acct",
                big_s,
                "s CPU",
                f"1 acct {small_s:.1f} s",
                ratio,
                f"<= {RATIO_TARGET:.0f}x",
                ratio <= RATIO_TARGET,
            )
        )
    else:
        print("scale: import skipped: ../shared/corpus absent")
    rss, rss_one = measure_rss(big), measure_rss(one)
    print(
        f"scale: daemon with {ACCOUNTS} accounts: {rss['built']:.0f} MB after start, "
        f"{rss['peak']:.0f} MB peak over {POLLS} polls ({rss['items']:,} items, "
        f"{rss['alerts']:,} alerts, {rss['errors']} errors); 1 account: "
        f"{rss_one['built']:.0f} MB after start, {rss_one['peak']:.0f} MB peak"
    )
    out.append(
        c.result(
            f"daemon peak RSS, {ACCOUNTS} acct, {POLLS} polls",
            rss["peak"],
            "MB",
            f"1 acct {rss_one['peak']:.0f} MB",
            rss["peak"] / rss_one["peak"],
            f"<= {RSS_TARGET:.0f} MB",
            rss["peak"] <= RSS_TARGET,
        )
    )
    return out


def _where(stats) -> list[tuple[str, float]]:
    """CPU seconds of the profiled ingests by stage (the before/after table of issue 16)."""
    raw = stats.stats  # (file, line, function) -> (calls, ncalls, own, cumulative, callers)

    def cum(name: str, file_part: str = "") -> float:
        return sum(v[3] for k, v in raw.items() if k[2] == name and file_part in k[0])

    def called_by(name: str, caller: str) -> float:
        total = 0.0
        for k, v in raw.items():
            if k[2] == name:
                total += sum(t[3] for ck, t in v[4].items() if ck[2] == caller)
        return total

    sql_alerts = sum(
        called_by(f"<method '{method}' of 'sqlite3.Connection' objects>", caller)
        for method in ("execute", "executemany")
        for caller in ("insert_alert", "insert_alerts", "insert_matches")
    )
    insert_py = (
        cum("insert_alert", "store.py")
        + cum("insert_alerts", "store.py")
        + cum("insert_matches", "store.py")
        - sql_alerts
    )
    total = cum("ingest", "engine.py")
    matching = cum("match_groups", "matcher.py") or cum("match", "matcher.py")
    explain = cum("explanation", "matcher.py") + cum("terms", "matcher.py")
    commit = called_by("<method 'execute' of 'sqlite3.Connection' objects>", "transaction")
    rows = [
        ("matching (scores, per-account matches)", matching),
        ("explanations and terms of the matches", explain),
        ("alert inserts: Python (rows, JSON, ids)", insert_py),
        ("alert inserts: SQLite", sql_alerts),
        ("commit", commit),
    ]
    rows.append(
        ("everything else (segment, events, items, trends)", total - sum(t for _, t in rows))
    )
    rows.append(("whole ingest", total))
    return rows


def profile() -> None:
    """cProfile (CPU time) of the 1,000-account all-new ingests: stages, then functions."""
    import cProfile
    import pstats

    logging.getLogger("hotspot").setLevel(logging.WARNING)
    prof = cProfile.Profile(time.process_time)
    m = measure_ingest(theme_pairs(agency(ACCOUNTS)), hot_lists(WARMUP + MEASURED), prof)
    print(f"{ACCOUNTS} accounts: {m['ms']:.1f} ms CPU per list (under the profiler)")
    stats = pstats.Stats(prof)
    total = dict(_where(stats))["whole ingest"]
    print("\n| stage | ms CPU per list | share |\n|---|---|---|")
    for name, seconds in _where(stats):
        print(f"| {name} | {seconds / MEASURED * 1000:.0f} | {seconds / total:.0%} |")
    stats.sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    if "--profile" in sys.argv:
        profile()
    else:
        c.main(run)
