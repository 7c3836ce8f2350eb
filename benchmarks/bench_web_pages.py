"""Benchmark 7 — workspace page renders on the big database of benchmark 4 (1,000,000 alerts,
3,000,000 observations, 300,000 items; built and cached by bench_cli_latency).

Figures:    median and worst wall time of 7 requests (after one warm-up) per page, from a
            client on loopback to the real ``hotspot web`` server (uvicorn) serving the
            database: query, template render and transfer included.
Pages:      today (one account, 24 h; all accounts, newest 200; one account, 7 days), an event
            page with its SVG chart, rising, history search, sources, the CSV export.
Target:     <= 0.3 s each (the worst of the 7 requests).
"""

from __future__ import annotations

import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import bench_cli_latency as big

TARGET = 0.3
RUNS = 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pages(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    event = conn.execute(
        "SELECT event_id FROM alerts WHERE account = 'acct000' ORDER BY created_at DESC LIMIT 1"
    ).fetchone()[0]
    conn.close()
    return {
        "today, one account, 24 h": "/today?account=acct000",
        "today, all accounts (newest 200)": "/today?account=",
        "today, one account, 7 days": "/today?account=acct000&window=7d",
        "event page with chart": f"/event/{event}",
        "rising (24 h)": "/rising?window=24h&state=fading",
        "search 哪吒": "/search?q=%E5%93%AA%E5%90%92",
        "sources": "/sources",
        "CSV export, one account, 24 h": "/today.csv?account=acct000",
    }


def run() -> list[dict]:
    import httpx

    db = big.ensure_db()
    out = []
    with tempfile.TemporaryDirectory(prefix="hotspot-bench-web-") as tmp:
        sources = [
            {"name": f"src{i}", "type": "weibo", "url": f"http://127.0.0.1:9/{i}"}
            for i in range(10)
        ]
        cfg = Path(tmp) / "hotspot.toml"
        cfg.write_text(c.config_text(db, sources=sources), encoding="utf-8")
        port = _free_port()
        proc = subprocess.Popen(
            [c.PY, "-m", "hotspot", "--config", str(cfg), "web", "--listen", f"127.0.0.1:{port}"],
            env=c.child_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as client:
                for _ in range(200):
                    try:
                        client.get("/sources")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                for label, path in _pages(db).items():
                    client.get(path)  # warm-up
                    times, size = c.time_page(client, path, RUNS)
                    med, worst = statistics.median(times), max(times)
                    print(
                        f"web pages: {label}: {med * 1000:.0f} ms median, {worst * 1000:.0f} ms "
                        f"worst ({size / 1000:.0f} kB)"
                    )
                    out.append(
                        c.result(
                            f"workspace {label}",
                            worst,
                            "s",
                            f"median {med * 1000:.0f} ms",
                            None,
                            f"<= {TARGET}s",
                            worst <= TARGET,
                        )
                    )
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return out


if __name__ == "__main__":
    c.main(run)
