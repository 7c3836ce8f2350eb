"""Opening (and migrating) a database imports sqlite-utils but not numpy or pandas, which
sqlite-utils would otherwise import when installed (11 MB of a daemon that stays resident);
numpy stays importable afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path


def test_migrating_a_new_database_does_not_import_numpy(tmp_path: Path):
    code = textwrap.dedent(
        f"""
        import json, sys
        from hotspot.storage.store import Store
        store = Store({str(tmp_path / "new.db")!r})
        loaded = sorted(m for m in ("numpy", "pandas") if m in sys.modules)
        import sqlite_utils
        import numpy  # later imports still work
        print(json.dumps({{
            "loaded": loaded,
            "numpy_after": numpy.asarray([1, 2]).sum().item(),
            "items": store.count("items"),
            "sqlite_utils": "sqlite_utils" in sys.modules,
        }}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"loaded": [], "numpy_after": 3, "items": 0, "sqlite_utils": True}


def test_numpy_imported_before_the_database_is_left_alone(tmp_path: Path):
    code = textwrap.dedent(
        f"""
        import json, sys
        import numpy
        from hotspot.storage.store import Store
        Store({str(tmp_path / "new.db")!r})
        import sqlite_utils.db as su
        print(json.dumps({{"same": sys.modules["numpy"] is numpy, "su_np": su.np is numpy}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"same": True, "su_np": True}
