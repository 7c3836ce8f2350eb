"""Hostile text from servers: bodies echoed into errors, terminal escapes and bidi controls
in titles and error texts, spreadsheet formulas in CSV cells. Driven through the CLI against
a real local server."""

from __future__ import annotations

import csv
import io

from hotspot.errors import FetchError
from hotspot.safetext import UNSAFE

from .conftest import (
    Reply,
    assert_no_traceback,
    run_cli,
    status_by_source,
    weibo_json,
    write_config,
)

ESC_TITLE = "奶茶\x1b]0;pwned\x07新品\x1b[2J上架"
BIDI_TITLE = "餐厅\u2066\u202etxt.exe\u2069榜单\u202a公布"
FORMULA_TITLE = '=HYPERLINK("http://evil.test","点我")'
CMD_TITLE = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_a_body_from_an_internal_service_is_never_echoed(tmp_path, server):
    server.routes["/feed"] = Reply(
        200, b"INTERNAL-SECRET-TOKEN=abc123 \x1b]0;owned\x07", content_type="text/plain"
    )
    cfg = write_config(tmp_path, [{"name": "feed", "url": server.url("/feed")}])
    r = run_cli("poll", config=cfg)
    assert r.returncode != 0 or "failed" in r.stderr
    assert "INTERNAL-SECRET" not in r.stderr and "\x1b" not in r.stderr
    error = status_by_source(cfg)["feed"]["last_error"]
    assert "expected Weibo JSON" in error and "character body" in error
    assert "INTERNAL-SECRET" not in error


def test_titles_lose_escapes_and_bidi_controls_and_csv_cells_are_not_formulas(tmp_path, server):
    server.routes["/list"] = Reply(
        200, weibo_json([ESC_TITLE, BIDI_TITLE, FORMULA_TITLE, CMD_TITLE, "-1+2 负号开头"])
    )
    cfg = write_config(tmp_path, [{"name": "list", "url": server.url("/list")}])
    assert run_cli("poll", config=cfg).returncode == 0
    table = run_cli("hotspots", "list", config=cfg)
    assert table.returncode == 0, table.stderr
    assert_no_traceback(table.stderr)
    assert not UNSAFE.search(table.stdout), repr(table.stdout)
    assert "奶茶" in table.stdout and "餐厅" in table.stdout

    out = run_cli("hotspots", "list", "--format", "csv", config=cfg)
    assert out.returncode == 0, out.stderr
    assert not UNSAFE.search(out.stdout.removeprefix("\ufeff"))  # the BOM is for Excel
    titles = [row["title"] for row in csv.DictReader(io.StringIO(out.stdout.lstrip("\ufeff")))]
    assert "'" + FORMULA_TITLE in titles
    assert "'" + CMD_TITLE in titles
    assert "'-1+2 负号开头" in titles
    for t in titles:
        assert not t.startswith(("=", "+", "-", "@", "\t", "\r")), t


def test_server_controlled_error_text_is_one_clean_line():
    err = FetchError("feed", "bad status line b'\x1b]0;x\x07HTTP/1.1'\r\n\u2067evil")
    assert not UNSAFE.search(str(err)) and "\n" not in str(err)
