"""hotspot doctor: one line per check, FAIL lines say what to fix, exit 1 on any failure."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def doctor(cfg):
    return subprocess.run(
        [sys.executable, "-m", "hotspot", "--config", str(cfg), "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_doctor_reports_each_problem_with_advice(tmp_path, httpserver):
    httpserver.expect_request("/ok").respond_with_json(
        {"code": 200, "data": [{"title": "冬天第一杯奶茶", "hot": 5}]}
    )
    dead = free_port()
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "h.db"
        [[sources]]
        name = "good"
        type = "jsonlist"
        url = "{httpserver.url_for("/ok")}"
        [[sources]]
        name = "dead"
        type = "jsonlist"
        url = "http://127.0.0.1:{dead}/x"
        [smtp]
        host = "127.0.0.1"
        port = {free_port()}
        security = "none"
        timeout = "2s"
        [[notifiers]]
        type = "feishu"
        url = "http://127.0.0.1:{dead}/hook"
        secret_env = "HOTSPOT_TEST_UNSET_SECRET"
        """),
        encoding="utf-8",
    )
    proc = doctor(cfg)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(
        line.startswith("ok") and "source good" in line and "1 items" in line for line in lines
    )
    assert any(
        line.startswith("FAIL") and "source dead" in line and "cannot reach" in line
        for line in lines
    )
    assert any(
        line.startswith("FAIL") and "smtp" in line and "check [smtp] host" in line for line in lines
    )
    assert any(
        line.startswith("FAIL") and "HOTSPOT_TEST_UNSET_SECRET is not set" in line for line in lines
    )
    assert "Traceback" not in proc.stderr


def test_doctor_passes_a_healthy_installation(tmp_path, httpserver):
    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        httpserver.expect_request("/ok").respond_with_json(
            {"code": 200, "data": [{"title": "台风路径", "hot": 5}]}
        )
        cfg = tmp_path / "hotspot.toml"
        cfg.write_text(
            textwrap.dedent(f"""
            [hotspot]
            database = "h.db"
            [[sources]]
            name = "good"
            type = "jsonlist"
            url = "{httpserver.url_for("/ok")}"
            [smtp]
            host = "127.0.0.1"
            port = {controller.port}
            security = "none"
            """),
            encoding="utf-8",
        )
        proc = doctor(cfg)
    finally:
        controller.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "FAIL" not in proc.stdout and "accepted the connection" in proc.stdout
