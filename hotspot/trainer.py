"""``python -m hotspot.trainer DB AT OUT``: the rising detector's daily training as a
short-lived process, so the daemon's own memory never carries it (see ``Engine.retrain``).

Reads the store (read-only; the daemon keeps writing beside it, WAL mode), learns the models
from the stored days before ``AT`` (``engine.train_from_store``), writes them as JSON to
``OUT`` with this process's peak RSS, and exits. Never writes the database: the daemon stores
the model in meta and loads it.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m hotspot.trainer DB AT OUT", file=sys.stderr)
        return 2
    from hotspot.analysis import rising
    from hotspot.engine import train_from_store
    from hotspot.storage.store import Store

    logging.basicConfig(level=logging.WARNING)
    db, at, out = argv[0], int(argv[1]), argv[2]
    store = Store(db, migrate=False, readonly=True)
    try:
        models = train_from_store(store, at)
    finally:
        store.close()
    data = rising.models_as_dict(models)
    data["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    tmp = out + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
