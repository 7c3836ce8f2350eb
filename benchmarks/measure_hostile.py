"""Measure hotspot against hostile servers on loopback (issue 18): peak resident memory of
``hotspot poll`` under compression bombs, and what a source trickling one byte every 2 s
does to a running daemon (polls of another source meanwhile, time to stop on SIGTERM).

    python benchmarks/measure_hostile.py                  # this checkout
    python benchmarks/measure_hostile.py --code DIR       # another checkout (e.g. main)
    python benchmarks/measure_hostile.py --skip-stall     # bombs only

Figures are printed; the README's Reliability section records them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli

GB = 1024**3
MB = 1024**2


def _brotli_bomb(size: int) -> bytes:
    c = brotli.Compressor(quality=5)
    zeros = bytes(MB)
    out = [c.process(zeros) for _ in range(size // MB)]
    return b"".join(out) + c.finish()


def _gzip_bomb(size: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(MB)
    return b"".join(c.compress(zeros) for _ in range(size // MB)) + c.flush()


class _Server:
    def __init__(self, routes: dict[str, tuple[bytes, dict[str, str], float]]):
        self.routes = routes
        self.hits: dict[str, int] = {}
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                outer.hits[path] = outer.hits.get(path, 0) + 1
                body, headers, trickle = outer.routes[path]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if trickle:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            time.sleep(trickle)
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


def _config(folder: Path, sources: dict[str, str]) -> Path:
    lines = ['[hotspot]\ndatabase = "h.db"\nmin_host_interval = "0s"\n']
    for name, url in sources.items():
        lines.append(
            f'[[sources]]\nname = "{name}"\ntype = "weibo"\ninterval = "10s"\nurl = "{url}"\n'
        )
    lines.append(
        '[[accounts]]\nname = "a"\n\n[[accounts.themes]]\nname = "t"\nkeywords = ["奶茶"]\n'
    )
    path = folder / "hotspot.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _env(code: Path | None) -> dict[str, str]:
    return dict(os.environ)


#: Runs the hotspot of another checkout: the editable install's finder is removed so that
#: checkout's ``hotspot`` (with ``sources`` and ``data`` linked in as the installed layout has
#: them) is imported instead of this one.
_BOOT = (
    "import sys; code = sys.argv.pop(1); "
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
    "sys.path.insert(0, code); from hotspot.cli import main; sys.argv[0] = 'hotspot'; main()"
)


def _hotspot(code: Path | None) -> list[str]:
    if code is None:
        return [sys.executable, "-m", "hotspot"]
    for name in ("sources", "data"):
        link = code / "hotspot" / name
        if not link.exists():
            link.symlink_to(code / name)
    return [sys.executable, "-c", _BOOT, str(code)]


def peak_rss_of_poll(cfg: Path, env: dict[str, str], code: Path | None) -> tuple[float, str]:
    """Peak RSS (MB) of one ``hotspot poll`` and its last stderr line."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print((r.stderr.strip().splitlines() or [''])[-1][:160])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *_hotspot(code), "--config", str(cfg), "poll"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    ).stdout.splitlines()
    return int(out[0]) / 1024, (out[1] if len(out) > 1 else "")


def bombs(code: Path | None) -> None:
    plain = json.dumps({"ok": 1, "data": {"realtime": [{"word": "奶茶", "num": 1}]}}).encode()
    cases = {
        "/br": (_brotli_bomb(GB), {"Content-Encoding": "br"}, 0.0),
        "/gzip": (_gzip_bomb(GB), {"Content-Encoding": "gzip"}, 0.0),
        "/gzip2": (gzip.compress(_gzip_bomb(GB)), {"Content-Encoding": "gzip, gzip"}, 0.0),
        "/plain": (plain, {}, 0.0),
    }
    server = _Server(cases)
    for path, (body, headers, _) in cases.items():
        with tempfile.TemporaryDirectory() as tmp:
            cfg = _config(Path(tmp), {"s": server.url(path)})
            rss, line = peak_rss_of_poll(cfg, _env(code), code)
            what = "1 GiB decoded" if headers else "a normal list (baseline)"
            print(
                f"bomb {headers.get('Content-Encoding', 'none'):>10}: body {len(body):>9,} B "
                f"-> {what}; peak RSS {rss:7.1f} MB; {line[-110:]}"
            )


def stall(code: Path | None, seconds: float = 40.0) -> None:
    plain = json.dumps(
        {"ok": 1, "data": {"realtime": [{"word": f"新闻{i}", "num": 1} for i in range(5)]}}
    ).encode()
    server = _Server({"/slow": (b"x" * 100_000, {}, 2.0), "/fast": (plain, {}, 0.0)})
    with tempfile.TemporaryDirectory() as tmp:
        cfg = _config(Path(tmp), {"slow": server.url("/slow"), "fast": server.url("/fast")})
        d = subprocess.Popen(
            [*_hotspot(code), "--config", str(cfg), "run"],
            stderr=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=_env(code),
        )
        time.sleep(seconds)
        fast = server.hits.get("/fast", 0)
        t0 = time.monotonic()
        d.send_signal(signal.SIGTERM)
        try:
            d.wait(300)
            stopped = f"{time.monotonic() - t0:.2f} s"
        except subprocess.TimeoutExpired:
            d.kill()
            stopped = "> 300 s (killed)"
        print(
            f"stall: slow source trickling 1 B / 2 s; fast source (interval 10 s) polled "
            f"{fast} times in {seconds:.0f} s; SIGTERM to exit: {stopped}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--code", type=Path, help="checkout whose hotspot package to measure")
    ap.add_argument("--skip-stall", action="store_true")
    ap.add_argument("--skip-bombs", action="store_true")
    args = ap.parse_args()
    if not args.skip_bombs:
        bombs(args.code)
    if not args.skip_stall:
        stall(args.code)


if __name__ == "__main__":
    main()
