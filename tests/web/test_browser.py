"""The workspace in a real browser: headless Debian Chromium (Selenium + chromium-driver)
against ``hotspot web`` on loopback, over a database ``hotspot poll`` filled from the recorded
fixtures. Set HOTSPOT_SCREENSHOTS=DIR to save the README's screenshots while these run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import SENSITIVE_TITLE, XSS_TITLE, alerts_json, free_port, hotspot

pytest.importorskip("selenium", reason="selenium is not installed")
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

SHOTS = os.environ.get("HOTSPOT_SCREENSHOTS")


def shot(browser, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def visible_titles(browser) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "li.alert a.title")]


def test_today_page_lists_the_expected_alerts(browser, workspace):
    expected = [r for r in alerts_json(workspace.config) if r["account"] == "娱乐号"]
    assert expected  # the fixtures do match the account's themes
    browser.set_window_size(1100, 1200)
    browser.get(workspace.url + "/today")
    assert browser.title.startswith("今日")
    assert sorted(visible_titles(browser)) == sorted(r["title"] for r in expected)
    first = browser.find_element(By.CSS_SELECTOR, "li.alert")
    meta = first.find_element(By.CSS_SELECTOR, ".meta").text
    assert "热度" in meta and "万" in meta and "首次出现" in meta and "命中" in meta
    assert first.find_element(By.CSS_SELECTOR, ".state").text in {"新", "上升", "高位", "回落"}
    # the other account's alert is one filter away
    browser.get(workspace.url + "/today?account=科技号")
    assert visible_titles(browser) == ["苹果新品发布会"]
    browser.get(workspace.url + "/today?account=")
    shot(browser, "workspace-today")


def test_event_page_draws_its_chart(browser, workspace):
    row = next(r for r in alerts_json(workspace.config) if r["title"] == "春晚节目单公布")
    browser.set_window_size(1100, 1200)
    browser.get(f"{workspace.url}/event/{row['event_id']}")
    chart = browser.find_element(By.CSS_SELECTOR, "#chart svg.chart")
    assert chart.size["width"] > 300 and chart.size["height"] > 100
    ranks = chart.find_elements(By.CSS_SELECTOR, "polyline.rank")
    heats = chart.find_elements(By.CSS_SELECTOR, "polyline.heat")
    assert ranks and heats  # three polls: a rank line and a heat line for weibo
    points = ranks[0].get_attribute("points").split()
    assert len(points) == 3
    # rank is inverted: the poll where it ranked #1 is drawn highest (smallest y)
    history = json.loads(
        hotspot(workspace.config, "alerts", "show", str(row["id"]), "--format", "json").stdout
    )["history"]
    ys = [float(p.split(",")[1]) for p in points]
    best = min(range(3), key=lambda i: history[i]["rank"])
    assert ys[best] == min(ys)
    assert "weibo" in browser.find_element(By.CSS_SELECTOR, "table.grid").text
    why = browser.find_element(By.ID, f"alert-{row['id']}")
    assert "春晚" in why.text and why.find_elements(By.CSS_SELECTOR, "button.fb-irrelevant")
    shot(browser, "workspace-event")


def test_sensitive_alert_is_marked_and_strong_ones_get_angles(browser, workspace):
    rows = alerts_json(workspace.config)
    risky = next(r for r in rows if r["title"] == SENSITIVE_TITLE)
    assert risky["sensitive"]["category"] == "disaster", risky
    assert not [r for r in rows if r["sensitive"] and r["title"] != SENSITIVE_TITLE]
    browser.set_window_size(1100, 1200)
    browser.get(workspace.url + "/today?account=娱乐号")
    item = browser.find_element(By.CSS_SELECTOR, f"li[data-alert-id='{risky['id']}']")
    mark = item.find_element(By.CSS_SELECTOR, ".sensitive")
    assert mark.is_displayed() and mark.text == "⚠ 慎借势：灾害事故"
    assert not item.find_elements(By.CSS_SELECTOR, ".angles")  # never how to ride it
    # only the sensitive alert is marked; the strongest harmless one shows its angles
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.alert .sensitive")) == 1
    lists = browser.find_elements(By.CSS_SELECTOR, "li.alert .angles")
    assert lists and all(a.is_displayed() for a in lists)
    first = lists[0].find_elements(By.TAG_NAME, "li")
    assert first and all(x.text.startswith("角度：") and "→" in x.text for x in first)
    top = browser.find_element(By.CSS_SELECTOR, "li.alert:has(.angles)")
    assert top.get_attribute("data-alert-id") != str(risky["id"])
    # the event page marks it as well, with its evidence, and the search page marks the item
    browser.get(f"{workspace.url}/event/{risky['event_id']}")
    why = browser.find_element(By.ID, f"alert-{risky['id']}")
    assert why.find_element(By.CSS_SELECTOR, ".sensitive").text == "⚠ 慎借势：灾害事故"
    assert all(t in why.text for t in risky["sensitive"]["terms"]) and "不宜借势营销" in why.text
    browser.get(workspace.url + "/search?q=搭建事故")
    (hit,) = browser.find_elements(By.CSS_SELECTOR, "ul.items li")
    assert hit.find_element(By.CSS_SELECTOR, ".sensitive").is_displayed()
    browser.get(workspace.url + "/search?q=节目单")
    assert not browser.find_elements(By.CSS_SELECTOR, "ul.items li .sensitive")
    # a harmless alert's event page shows its angles
    strong = next(r for r in rows if r["title"] == "春晚节目单公布")
    browser.get(f"{workspace.url}/event/{strong['event_id']}")
    angles = browser.find_element(By.ID, f"alert-{strong['id']}").find_elements(
        By.CSS_SELECTOR, ".angles li"
    )
    assert angles and all(a.text.startswith("角度：") for a in angles)


def test_clicking_irrelevant_removes_the_alert(browser, workspace):
    row = next(r for r in alerts_json(workspace.config) if r["title"] == "庆余年2定档")
    browser.set_window_size(1100, 1200)
    browser.get(workspace.url + "/today")
    assert "庆余年2定档" in visible_titles(browser)
    button = browser.find_element(
        By.CSS_SELECTOR, f"li[data-alert-id='{row['id']}'] button.fb-irrelevant"
    )
    button.click()
    WebDriverWait(browser, 10).until(ec.staleness_of(button))
    assert "庆余年2定档" not in visible_titles(browser)
    assert browser.current_url.endswith("/today")
    shown = hotspot(workspace.config, "alerts", "show", str(row["id"]))
    assert shown.returncode == 0, shown.stderr
    assert "irrelevant via web" in shown.stdout
    # the CLI list leaves it out too, and --all still has it with its verdict
    assert row["id"] not in [
        r["id"]
        for r in json.loads(hotspot(workspace.config, "alerts", "list", "--format", "json").stdout)
    ]
    assert (
        next(r for r in alerts_json(workspace.config) if r["id"] == row["id"])["verdict"]
        == "irrelevant"
    )


def test_hostile_title_stays_text(browser, workspace):
    browser.set_window_size(1100, 1200)
    browser.get(workspace.url + "/today")
    assert XSS_TITLE in visible_titles(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "main img")
    assert not browser.find_elements(By.CSS_SELECTOR, "main script")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 (no onerror fired)
    # its javascript: URL is not rendered as a link
    hrefs = [a.get_attribute("href") or "" for a in browser.find_elements(By.CSS_SELECTOR, "a")]
    assert not any(h.lower().startswith("javascript:") for h in hrefs)


def test_pages_fit_a_phone(browser, workspace):
    row = next(r for r in alerts_json(workspace.config) if r["title"] == "春晚节目单公布")
    browser.set_window_size(375, 800)
    for path in ("/today", f"/event/{row['event_id']}", "/rising", "/search?q=春晚", "/sources"):
        browser.get(workspace.url + path)
        width = browser.execute_script("return document.documentElement.clientWidth")
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, f"{path} scrolls sideways at 375 px ({scroll} > {width})"
    browser.get(workspace.url + "/today")
    shot(browser, "workspace-phone")


def test_post_without_csrf_token_is_rejected(workspace):
    row = next(r for r in alerts_json(workspace.config) if r["title"] == "苹果新品发布会")
    with httpx.Client(base_url=workspace.url) as client:
        page = client.get("/today?account=科技号")
        assert page.status_code == 200 and "hotspot_session" in client.cookies
        for form in (
            {"verdict": "useful"},
            {"verdict": "useful", "csrf": "forged-token-xxxxxxxxxxxxxxxx"},
        ):
            r = client.post(f"/alerts/{row['id']}/feedback", data=form)
            assert r.status_code == 403 and "CSRF" in r.text
        assert (
            json.loads(
                hotspot(
                    workspace.config, "alerts", "show", str(row["id"]), "--format", "json"
                ).stdout
            )["feedback"]
            == []
        )
        token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        ok = client.post(
            f"/alerts/{row['id']}/feedback",
            data={"verdict": "useful", "csrf": token, "next": "/today"},
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/today"
    feedback = json.loads(
        hotspot(workspace.config, "alerts", "show", str(row["id"]), "--format", "json").stdout
    )["feedback"]
    assert [(f["verdict"], f["origin"]) for f in feedback] == [("useful", "web")]


def test_non_loopback_bind_without_password_refuses_to_start(workspace_db):
    config, _ = workspace_db
    r = hotspot(config, "web", "--listen", f"0.0.0.0:{free_port()}")
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert (
        len(lines) == 1
        and "refusing to listen on 0.0.0.0" in lines[0]
        and "password_env" in lines[0]
    )
