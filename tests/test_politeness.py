"""Plugins by import string, endpoint fallback that remembers what worked, and a host that
says "slow down" holding back every source on it. In-process against a real local server."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import replace

import pytest

from hotspot.config import load_config
from hotspot.engine import Engine
from hotspot.errors import PluginError
from hotspot.ingest.registry import load_plugins
from hotspot.poller import Poller
from hotspot.storage.store import Store

PLUGIN = '''
from hotspot.ingest.source import Source, load_json
from hotspot.models import RawItem

class TwoDoors(Source):
    """A test plugin with two endpoints."""
    type = "twodoors"
    endpoints = ({first!r}, {second!r})

    def parse(self, fetched):
        data = load_json(self.name, fetched)
        return [RawItem(title=t, rank=i + 1) for i, t in enumerate(data["titles"])]

class FakeWeibo(TwoDoors):
    type = "weibo"
'''


@pytest.fixture
def plugin_module(tmp_path, httpserver, monkeypatch):
    module = tmp_path / "myplugins.py"
    module.write_text(
        PLUGIN.format(first=httpserver.url_for("/old"), second=httpserver.url_for("/new")),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "myplugins"
    sys.modules.pop("myplugins", None)


def test_a_plugin_named_like_a_builtin_stops_start_up(plugin_module):
    with pytest.raises(PluginError) as info:
        load_plugins([f"{plugin_module}:FakeWeibo"])
    assert "two source plugins are named 'weibo'" in str(info.value)
    with pytest.raises(PluginError) as info:
        load_plugins(["no_such_module_xyz:Thing"])
    assert "cannot be imported" in str(info.value)


def test_fallback_remembers_the_endpoint_that_worked(tmp_path, httpserver, plugin_module):
    httpserver.expect_request("/old").respond_with_data("gone", status=500)
    httpserver.expect_request("/new").respond_with_json({"titles": ["冬天第一杯奶茶"]})
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "h.db"
        min_host_interval = "0s"
        plugins = ["{plugin_module}:TwoDoors"]
        [[sources]]
        name = "doors"
        type = "twodoors"
        """),
        encoding="utf-8",
    )
    plugins = load_plugins([f"{plugin_module}:TwoDoors"])
    # no host gap, as a manual `hotspot poll` does (the config floors min_host_interval at 1s)
    config = replace(load_config(cfg, plugins), min_host_interval=0.0)
    store = Store(config.database)
    poller = Poller(config, store, Engine(store, [], verticals=[]), plugins)
    (first,) = poller.poll()
    assert first.error is None and first.items == 1
    assert store.source_state("doors")["preferred_url"].endswith("/new")
    httpserver.clear_log()
    poller.poll()
    assert [r.path for r, _ in httpserver.log] == ["/new"]  # the broken one is not retried first


def test_a_rate_limiting_host_holds_back_its_other_sources(tmp_path, httpserver):
    httpserver.expect_oneshot_request("/a").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"}
    )
    httpserver.expect_request("/a").respond_with_json({"code": 200, "data": [{"title": "暴雨"}]})
    httpserver.expect_request("/b").respond_with_json({"code": 200, "data": [{"title": "台风"}]})
    cfg = tmp_path / "hotspot.toml"
    cfg.write_text(
        textwrap.dedent(f"""
        [hotspot]
        database = "h.db"
        min_host_interval = "10s"
        [[sources]]
        name = "a"
        type = "jsonlist"
        url = "{httpserver.url_for("/a")}"
        interval = "10s"
        [[sources]]
        name = "b"
        type = "jsonlist"
        url = "{httpserver.url_for("/b")}"
        interval = "10s"
        """),
        encoding="utf-8",
    )
    plugins = load_plugins()
    config = load_config(cfg, plugins)
    store = Store(config.database)
    now = [1_800_000_000.0]
    poller = Poller(config, store, Engine(store, [], verticals=[]), plugins, clock=lambda: now[0])
    assert [r.source for r in poller.poll(poller.due())] == ["a"]  # one source per host
    assert store.source_state("a")["host_wait"] == 1
    for _ in range(5):  # an hour of cycles: b is due, but its host asked us to wait
        now[0] += 600
        httpserver.clear_log()
        poller.poll(poller.due())
        assert all(r.path != "/b" for r, _ in httpserver.log)
    polled = []
    for _ in range(3):  # the hour is over and the host answers again: b goes too
        now[0] += 700
        polled += [r.source for r in poller.poll(poller.due())]
    assert "b" in polled and store.source_state("a")["host_wait"] == 0
