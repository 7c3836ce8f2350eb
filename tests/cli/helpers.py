"""Running the real ``hotspot`` command in a subprocess, as an operator's shell would, with
the language chosen by the test rather than inherited from the machine's locale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LOCALE_VARS = ("LANG", "LC_ALL", "LC_MESSAGES")


def clean_env(lang: str | None = None) -> dict[str, str]:
    """This process's environment without the locale variables (``LANG=lang`` when given),
    so a test's language comes from ``--lang`` or the config, not from the CI machine."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    if lang is not None:
        env["LANG"] = lang
    return env


def run_hotspot(
    *args: str, cwd: Path | None = None, lang_env: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m hotspot ARGS`` with :func:`clean_env`; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "hotspot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(lang_env),
        cwd=cwd,
    )
