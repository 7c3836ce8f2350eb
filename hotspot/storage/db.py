"""Open the SQLite database safely: refuse what is not ours, migrate what is, lock for writers.

* A file that is not SQLite, a SQLite database without hotspot's migration record, or one
  whose migrations include names this version does not know (a newer hotspot) is refused
  with ``DatabaseRefused`` and left untouched.
* WAL mode and a busy timeout let CLI readers query while the daemon writes.
* ``WriterLock`` is an exclusive ``flock`` on ``<db>.lock``: a second daemon (or a ``poll``
  while a daemon runs) on the same database is refused with a clear message. Every writing
  command takes it (run, poll, import, digest send, learn, db vacuum), so a database is
  created and migrated by one process at a time.
* Readers (``readonly=True``) never create a database or a folder. They open the file
  read-only (``mode=ro``), or ``immutable`` when its folder cannot be written (read-only
  media). A database still being created by a writer is waited for (up to
  ``CREATE_WAIT`` seconds), then reported as "being created".
* ``storage_error`` turns an SQLite failure into one line that blames the database, not a
  source: full, damaged, busy or unwritable, and what to do.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import quote

from hotspot.errors import DatabaseRefused, StoreError
from hotspot.i18n import _
from hotspot.storage.schema import KNOWN, MIGRATION_SET, migration_set

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
#: The writer's page cache (KiB): SQLite's default, 2 MB. A 16 MB cache was tried for the
#: thousand-account polls (issue 16) when each alert added an entry to an (account, time)
#: index; since migration 0007's ``alert_spans`` replaced that index it bought no speed
#: (``bench_scale``: 74.5 ms per list with 2 MB, 77.2 ms with 16 MB) and filled with pages over
#: hours, a daemon's RSS rising 0.75 MB every 100 polls to 143 MB (``bench_memory``: 127 MB
#: and 0.23 MB with 2 MB, flat).
WRITER_CACHE_KIB = 2_048
CREATE_WAIT = 15.0


def storage_error(path: Path | str, exc: BaseException) -> StoreError:
    """One line for an SQLite failure, naming the database and what to do."""
    text = str(exc)
    low = text.lower()
    if "full" in low:
        return StoreError(
            _(
                "database {path} is full ({reason}): free disk space (or raise the quota); "
                "hotspot resumes by itself, no source is blamed"
            ).format(path=path, reason=text)
        )
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return StoreError(
            _(
                "database {path} is damaged ({reason}): stop hotspot, move the file aside and "
                "restore a backup, or rebuild it with `sqlite3 {path} .recover`"
            ).format(path=path, reason=text)
        )
    if "locked" in low or "busy" in low:
        return StoreError(
            _(
                "database {path} is busy ({reason}): another process held a write for more "
                "than {seconds}s; the cycle is retried"
            ).format(path=path, reason=text, seconds=BUSY_TIMEOUT_MS // 1000)
        )
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return StoreError(
            _(
                "database {path} cannot be written ({reason}): check the permissions of the "
                "file and its folder, or point [hotspot] database elsewhere"
            ).format(path=path, reason=text)
        )
    return StoreError(
        _("database {path}: {reason}; check the file and its permissions").format(
            path=path, reason=text
        )
    )


def open_database(
    path: Path | str, *, migrate: bool = True, readonly: bool = False
) -> sqlite3.Connection:
    """A connection to ``path`` (autocommit mode), migrated to this version's schema.
    ``readonly``: for read commands; see the module docstring."""
    path = Path(path)
    memory = str(path) == ":memory:"
    if readonly and not memory:
        return _open_reader(path)
    if not memory:
        _check_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                _("database {path}: cannot create its folder: {exc}").format(path=path, exc=exc)
            ) from None
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        applied = _check_owner(conn, path)
        if not memory:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        conn.execute("PRAGMA wal_autocheckpoint = 4096")
        if migrate and KNOWN - applied:
            _import_sqlite_utils()
            from sqlite_utils import Database

            migration_set().apply(Database(conn))
    except sqlite3.DatabaseError as exc:
        raise storage_error(path, exc) from None
    return conn


def _import_sqlite_utils() -> None:
    """Import sqlite-utils (for the migrations) without the numpy and pandas it imports when
    they are installed, only to map their scalar types in inserts (hotspot inserts none
    through it). numpy is installed for the rising detector's training child; imported here
    it would stay in a writer for good: 11 MB of a daemon's first start, which migrates.
    Blocking is done by the ``sys.modules[name] = None`` convention (``import`` raises
    ImportError) for the duration of this one import, at a database's opening, and only for
    what is not imported yet; a later ``import numpy`` works as usual."""
    if "sqlite_utils" in sys.modules:
        return
    blocked = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def _open_reader(path: Path) -> sqlite3.Connection:
    """Open for reading only; wait while a writer creates or migrates the database."""
    deadline = time.monotonic() + CREATE_WAIT
    while True:
        if not path.exists():
            raise StoreError(
                _(
                    "no database at {path} yet: run `hotspot poll` or `hotspot run` first "
                    "(read commands never create it)"
                ).format(path=path)
            )
        _check_file(path)
        writable = os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)
        mode = "mode=ro" if writable else "immutable=1"
        try:
            conn = sqlite3.connect(
                f"file:{quote(str(path.resolve()))}?{mode}",
                uri=True,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            applied = _check_owner(conn, path) if path.stat().st_size else set()
        except sqlite3.DatabaseError as exc:
            raise storage_error(path, exc) from None
        if applied >= KNOWN:
            return conn
        conn.close()
        if applied and writable and _migrate_if_free(path):
            continue  # an older schema and no writer running: upgraded, open again
        if time.monotonic() > deadline:
            raise StoreError(
                _(
                    "database {path} is being created or upgraded by another hotspot process; "
                    "try again in a moment"
                ).format(path=path)
                if writable
                else _(
                    "database {path} has an older schema and its folder is read-only; "
                    "upgrade it once from a writable copy"
                ).format(path=path)
            )
        time.sleep(0.1)


def _migrate_if_free(path: Path) -> bool:
    """Migrate an older database for a reader when no writer holds it (False if one does)."""
    lock = WriterLock(path)
    try:
        lock.acquire()
    except StoreError:
        return False
    try:
        open_database(path).close()
    finally:
        lock.release()
    return True


def _check_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(
            _("database {path}: cannot read it: {exc}").format(path=path, exc=exc)
        ) from None
    if head != SQLITE_MAGIC:
        raise DatabaseRefused(
            _(
                "database {path} is not an SQLite file; point [hotspot] database at a new path "
                "(the file was not modified)"
            ).format(path=path)
        )


def _applied(conn: sqlite3.Connection) -> list[str]:
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                (MIGRATION_SET,),
            )
        ]
    except sqlite3.OperationalError:  # no migrations table yet
        return []


def _check_owner(conn: sqlite3.Connection, path: Path) -> set[str]:
    """The applied migration names; refuse another app's database or a newer hotspot's."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    user_tables = {t for t in tables if not t.startswith(("sqlite_", "_sqlite_migrations"))}
    applied = set(_applied(conn))
    if user_tables and not applied:
        raise DatabaseRefused(
            _(
                "database {path} is not a hotspot database (it has tables {tables}); point "
                "[hotspot] database at another file (this one was not modified)"
            ).format(path=path, tables=", ".join(sorted(user_tables)[:5]))
        )
    unknown = applied - KNOWN
    if unknown:
        raise DatabaseRefused(
            _(
                "database {path} was written by a newer hotspot (schema {unknown}); upgrade "
                "hotspot (the database was not modified)"
            ).format(path=path, unknown=max(unknown))
        )
    return applied


def schema_version(conn: sqlite3.Connection) -> str | None:
    names = _applied(conn)
    return names[-1] if names else None


class WriterLock:
    """An exclusive lock held by the one process allowed to write (the daemon, or ``poll``)."""

    def __init__(self, db_path: Path | str):
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        if str(self.path).startswith(":memory:"):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(
                _(
                    "database {path}: cannot write in {folder} ({reason}); fix the folder's "
                    "permissions or point [hotspot] database at a writable place"
                ).format(path=str(self.path)[:-5], folder=self.path.parent, reason=exc.strerror)
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            finally:
                os.close(fd)
            raise DatabaseRefused(
                _(
                    "database {path} is in use by another hotspot process (pid {other}); stop it "
                    "first, or use another database"
                ).format(path=str(self.path)[:-5], other=other)
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
