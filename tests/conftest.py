"""Shared test fixtures: the path to ../shared (tests that need it skip when it is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples on every run (a red CI must mean a change broke something);
# local runs keep exploring new ones, which is how fuzzing finds what CI then pins down.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The tests written before translations assert English text: run the CLI (in process and as
# subprocesses, which inherit this) in English unless a test asks for zh-CN (--lang zh-CN,
# [hotspot] language, or its own LANG). zh-CN is what an operator gets with no LANG at all.
os.environ.pop("LC_ALL", None)
os.environ.pop("LC_MESSAGES", None)
os.environ["LANG"] = "C.UTF-8"

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the checkout; skip cleanly where it is not present."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present beside the checkout")
    return SHARED


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def zh_cn():
    """The process speaks zh-CN for one test (as the CLI makes it), English again after."""
    from hotspot import i18n

    before = i18n.current()
    i18n.activate("zh-CN")
    yield
    i18n.activate(before)
