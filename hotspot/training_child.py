"""The rising detector's daily training as a child process the daemon does not wait for.

``python -m hotspot.trainer DB AT OUT`` reads the store, trains and writes the model to a file
(see ``hotspot.trainer``). The daemon starts it and goes on polling: a training takes about a
minute a day on a month of history, and the polls due meanwhile would otherwise wait for it.
Each pass of the daemon's loop asks the child whether it is done (``result``); only then is
the model adopted. A child that fails, or runs past ``timeout``, is given up (it is killed,
logged, and the old model stays).

``wait`` is the blocking form, for ``Engine.retrain(child=True)`` (benchmarks, tests).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger("hotspot.engine")  # the engine's log: the daemon's operators read one

RUNNING = object()  # ``result()`` while the child still trains


class TrainingChild:
    """One running training child, its output file and its deadline."""

    def __init__(self, db_path: Path | str, at: int, timeout: float):
        self.at = at
        self._tmp = tempfile.TemporaryDirectory(prefix="hotspot-train-")
        tmp = Path(self._tmp.name)
        self._out = tmp / "model.json"
        self._err_path = tmp / "stderr.txt"
        self._deadline = time.monotonic() + timeout
        self._timeout = timeout
        cmd = [sys.executable, "-m", "hotspot.trainer", str(db_path), str(at), str(self._out)]
        self._err = open(self._err_path, "w+", encoding="utf-8")  # noqa: SIM115 - closed in _finish
        try:
            # stderr to a file, not a pipe: a pipe nobody reads fills and blocks the child
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._err
            )
        except OSError as exc:
            log.error("rising detector training could not run: %s; keeping the old model", exc)
            self._proc = None
            self._finish()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def result(self) -> object:
        """``RUNNING`` while the child trains; then the model it wrote (the
        ``rising.models_as_dict`` shape), or None (logged) when it failed or ran too long."""
        if self._proc is None:
            return None
        code = self._proc.poll()
        if code is None:
            if time.monotonic() < self._deadline:
                return RUNNING
            self.cancel()
            log.error(
                "rising detector training ran over %.0f s and was stopped; keeping the old model",
                self._timeout,
            )
            return None
        return self._collect(code)

    def wait(self) -> dict | None:
        """Block until the child is done (or its deadline), then as ``result``."""
        if self._proc is not None:
            try:
                self._proc.wait(max(0.0, self._deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        out = self.result()
        return None if out is RUNNING else out  # type: ignore[return-value]

    def cancel(self) -> None:
        """Stop the child (the daemon is stopping, or the deadline passed)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc = None
        self._finish()

    def _collect(self, code: int) -> dict | None:
        self._proc = None
        try:
            if code != 0 or not self._out.exists():
                self._err.seek(0)
                tail = self._err.read().strip().splitlines()[-1:] or ["no output"]
                log.error(
                    "rising detector training failed (exit %d: %s); keeping the old model",
                    code,
                    tail[0],
                )
                return None
            data = json.loads(self._out.read_text("utf-8"))
        finally:
            self._finish()
        log.info("rising detector trained in a child process (peak %s MB)", data.get("peak_rss_mb"))
        return data

    def _finish(self) -> None:
        if not self._err.closed:
            self._err.close()
        self._tmp.cleanup()
