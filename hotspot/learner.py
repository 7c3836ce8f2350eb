"""The daemon's hourly relearn as a short-lived child process, so the daemon's own memory
never carries the stored history it reads.

``python -m hotspot.learner IN OUT``: ``IN`` is a JSON file naming the database, the lexicon
files and the user words of the daemon's segmenter (theme keywords and synonyms: the words
that decide ``Segmenter.word_flag``'s answers, so the child segments and tags exactly as the
daemon does). The child opens the store read-only (the daemon keeps writing beside it, WAL
mode), computes what ``analysis.learn.relearn`` and ``planning.sensitivity_learn.
relearn_sensitive`` would write (``compute_relearn``, ``compute_relearn_sensitive``), writes
that to ``OUT`` as JSON with its own peak RSS, and exits. It never writes the database.

``relearn_in_child`` is the daemon's side: it starts the child, waits for it (blocking: the
relearn takes seconds, and the polls due meanwhile wait as they did when it ran in-process)
and returns the results, which the daemon stores in one short transaction
(``write_relearn``, ``write_relearn_sensitive``). A child that fails or runs past its timeout
returns None (one log line): the old learned terms stay.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hotspot.analysis.keywords import Segmenter
from hotspot.analysis.learn import Relearned
from hotspot.analysis.matcher import Learned
from hotspot.planning.sensitivity_learn import SensitiveRelearned

log = logging.getLogger("hotspot.daemon")  # the daemon's log: its operators read one

LEARN_TIMEOUT = 1800.0  # seconds; the hourly relearn of a month of history takes well under


@dataclass(frozen=True, slots=True)
class ChildResult:
    """What the child computed, and its own peak RSS (MB)."""

    relearned: Relearned
    sensitive: SensitiveRelearned
    peak_rss_mb: float


def _rows(raw: list) -> list[tuple[str, str, float, int]]:
    return [(str(s), str(t), float(w), int(n)) for s, t, w, n in raw]


def compute(db: str, lexicons: Iterable[str], user_words: Iterable[str]) -> dict:
    """The child's work: both learners' results as JSON-ready data."""
    from hotspot.analysis.learn import compute_relearn
    from hotspot.analysis.lexicon import load_verticals
    from hotspot.planning.sensitivity_learn import compute_relearn_sensitive
    from hotspot.storage.store import Store

    segmenter = Segmenter(sorted(user_words))
    verticals = load_verticals(Path(p) for p in lexicons)
    store = Store(db, migrate=False, readonly=True)
    try:
        r = compute_relearn(store, verticals, flag=segmenter.word_flag)
        s = compute_relearn_sensitive(store, flag=segmenter.word_flag)
    finally:
        store.close()
    return {
        "relearn": {
            "baseline": r.baseline,
            "rows": r.rows,
            "items": r.items,
            "terms": r.learned.terms,
            "demoted": r.learned.demoted,
            "alone": r.learned.alone,
        },
        "sensitive": {
            "rows": s.rows,
            "model_rows": s.model_rows,
            "model_meta": s.model_meta,
            "learned": s.learned,
            "summary": s.summary,
        },
    }


def parse(data: dict) -> ChildResult:
    """The child's output file back into the learners' result types."""
    r, s = data["relearn"], data["sensitive"]
    relearned = Relearned(
        str(r["baseline"]),
        _rows(r["rows"]),
        Learned(terms=r["terms"], demoted=r["demoted"], alone=r["alone"]),
        int(r["items"]),
    )
    learned = {
        cat: {term: (float(w), int(n)) for term, (w, n) in terms.items()}
        for cat, terms in s["learned"].items()
    }
    sensitive = SensitiveRelearned(
        _rows(s["rows"]),
        _rows(s["model_rows"]),
        str(s["model_meta"]),
        learned,
        str(s["summary"]),
    )
    return ChildResult(relearned, sensitive, float(data.get("peak_rss_mb") or 0.0))


def segmenter_words(segmenter: Segmenter) -> list[str]:
    """The user words ``segmenter`` has been given (theme keywords and synonyms, including
    those of themes a reload removed: jieba keeps them), which the child must give its own."""
    return sorted(segmenter._user_words)


def relearn_in_child(
    db_path: Path | str,
    lexicons: Iterable[Path | str],
    user_words: Iterable[str],
    timeout: float = LEARN_TIMEOUT,
) -> ChildResult | None:
    """Run ``python -m hotspot.learner`` and wait for it; None (logged) when it failed."""
    with tempfile.TemporaryDirectory(prefix="hotspot-learn-") as tmp:
        src, out, err_path = Path(tmp) / "in.json", Path(tmp) / "out.json", Path(tmp) / "err"
        src.write_text(
            json.dumps(
                {
                    "db": str(db_path),
                    "lexicons": [str(p) for p in lexicons],
                    "user_words": sorted(user_words),
                },
                ensure_ascii=False,
            ),
            "utf-8",
        )
        cmd = [sys.executable, "-m", "hotspot.learner", str(src), str(out)]
        with open(err_path, "w+", encoding="utf-8") as err:
            try:
                # stderr to a file, not a pipe: a pipe nobody reads fills and blocks the child
                code = subprocess.run(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    timeout=timeout,
                    check=False,
                ).returncode
            except subprocess.TimeoutExpired:  # run() has killed it
                log.error("relearn ran over %.0f s and was stopped; keeping the old terms", timeout)
                return None
            except OSError as exc:
                log.error("relearn could not run: %s; keeping the old learned terms", exc)
                return None
            if code != 0 or not out.exists():
                err.seek(0)
                tail = err.read().strip().splitlines()[-1:] or ["no output"]
                log.error(
                    "relearn failed (exit %d: %s); keeping the old learned terms", code, tail[0]
                )
                return None
        try:
            result = parse(json.loads(out.read_text("utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            log.error("relearn output unreadable (%s); keeping the old learned terms", exc)
            return None
    log.info("relearned in a child process (peak %.1f MB)", result.peak_rss_mb)
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m hotspot.learner IN OUT", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    spec = json.loads(Path(argv[0]).read_text("utf-8"))
    data = compute(spec["db"], spec["lexicons"], spec["user_words"])
    data["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = argv[1]
    tmp = out + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
