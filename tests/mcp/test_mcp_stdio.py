"""``hotspot mcp`` end to end: the official SDK's client starts it over stdio against a database
filled by ``hotspot poll`` from the recorded fixtures (tests/web/conftest.py), lists the tools,
calls every read tool and the feedback tool, and checks the answers against the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import anyio
import pytest

from tests.web.conftest import SENSITIVE_TITLE, alerts_json, hotspot

mcp = pytest.importorskip("mcp", reason="the mcp SDK is not installed")


def _text(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def _session_calls(config, calls):
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "hotspot", "--config", str(config), "--lang", "en", "mcp"],
        env={k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")},
    )
    out = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        out["tools"] = sorted(t.name for t in (await session.list_tools()).tools)
        for key, name, args in calls:
            out[key] = await session.call_tool(name, args)
    return out


def test_mcp_tools_over_stdio(workspace_db):
    config, _ = workspace_db
    cli_rows = alerts_json(config)
    target = next(r for r in cli_rows if r["title"] == "庆余年2定档")
    calls = [
        ("alerts", "list_alerts", {"account": "娱乐号", "since": "24h"}),
        ("event", "get_event", {"event_id": target["event_id"]}),
        ("rising", "rising_now", {"since": "24h", "state": "new"}),
        ("search", "search_history", {"query": "节目单"}),
        ("explain", "explain_title", {"title": "哪吒3定档春节", "account": "娱乐号"}),
        ("calendar", "upcoming_calendar", {"days": 30}),
        ("sources", "sources_status", {}),
        ("mark", "mark_alert", {"alert_id": target["id"], "verdict": "irrelevant"}),
        ("after", "list_alerts", {"account": "娱乐号", "since": "24h"}),
        ("bad", "mark_alert", {"alert_id": 999999, "verdict": "useful"}),
        ("bad_account", "list_alerts", {"account": "nobody"}),
    ]
    got = anyio.run(_session_calls, config, calls)
    assert {
        "list_alerts",
        "get_event",
        "rising_now",
        "search_history",
        "explain_title",
        "upcoming_calendar",
        "sources_status",
        "mark_alert",
    } <= set(got["tools"])

    alerts = json.loads(_text(got["alerts"]))
    # the same rows and fields as `hotspot alerts list --format json`
    cli_same = [r for r in cli_rows if r["account"] == "娱乐号" and r["verdict"] != "irrelevant"]
    assert [a["id"] for a in alerts] == [r["id"] for r in cli_same]
    assert alerts[0].keys() == cli_same[0].keys()
    assert alerts == cli_same
    # the 慎借势 mark, as the CLI and the digest give it
    risky = [a for a in alerts if a["sensitive"]]
    assert [a["title"] for a in risky] == [SENSITIVE_TITLE], risky
    assert risky[0]["sensitive"]["category"] == "disaster" and risky[0]["sensitive"]["terms"]

    event = json.loads(_text(got["event"]))
    assert event["id"] == target["event_id"]
    assert {o["platform"] for o in event["observations"]} == {"weibo"}
    assert len(event["observations"]) >= 2  # the curve: one point per poll
    assert all({"observed_at", "rank", "heat"} <= o.keys() for o in event["observations"])

    rising = json.loads(_text(got["rising"]))
    assert rising and all(r["state"] == "new" for r in rising)
    assert [h["title"] for h in json.loads(_text(got["search"]))] == ["春晚节目单公布"]

    explain = json.loads(_text(got["explain"]))
    movie = next(m for m in explain["matches"] if m["theme"] == "影视")
    assert movie["passed"] and "哪吒" in movie["terms"]

    calendar = json.loads(_text(got["calendar"]))["nodes"]
    cli_calendar = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotspot",
            "--config",
            str(config),
            "calendar",
            "--days",
            "30",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # the CLI's rows plus its display-only "lead" label; 30 days always hold a solar term
    cli_rows_cal = [{k: v for k, v in r.items() if k != "lead"} for r in json.loads(cli_calendar)]
    assert calendar and calendar == cli_rows_cal
    assert {s["source"] for s in json.loads(_text(got["sources"]))} == {"weibo", "daily", "hostile"}

    mark = json.loads(_text(got["mark"]))
    assert mark["verdict"] == "irrelevant" and mark["origin"] == "mcp"
    assert target["id"] not in [a["id"] for a in json.loads(_text(got["after"]))]
    assert got["bad"].is_error and "no alert with id 999999" in _text(got["bad"])
    assert got["bad_account"].is_error and "no account named 'nobody'" in _text(got["bad_account"])

    # the CLI sees the MCP's feedback record
    shown = json.loads(
        hotspot(config, "alerts", "show", str(target["id"]), "--format", "json").stdout
    )
    assert [(f["verdict"], f["origin"]) for f in shown["feedback"]] == [("irrelevant", "mcp")]
