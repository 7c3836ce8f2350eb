"""Open the SQLite database safely: refuse what is not ours, migrate what is, lock for writers.

* A file that is not SQLite, a SQLite database without hotspot's migration record, or one
  whose migrations include names this version does not know (a newer hotspot) is refused
  with ``DatabaseRefused`` and left untouched.
* WAL mode and a busy timeout let CLI readers query while the daemon writes.
* ``WriterLock`` is an exclusive ``flock`` on ``<db>.lock``: a second daemon (or a ``poll``
  while a daemon runs) on the same database is refused with a clear message.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from hotspot.errors import DatabaseRefused, StoreError
from hotspot.storage.schema import KNOWN, MIGRATION_SET, migration_set

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


def open_database(path: Path | str, *, migrate: bool = True) -> sqlite3.Connection:
    """A connection to ``path`` (autocommit mode), migrated to this version's schema."""
    path = Path(path)
    memory = str(path) == ":memory:"
    if not memory:
        _check_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"database {path}: cannot create its folder: {exc}") from None
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
        if migrate and KNOWN - applied:
            from sqlite_utils import Database

            migration_set().apply(Database(conn))
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"database {path}: {exc}; check the file and its permissions") from None
    return conn


def _check_file(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"database {path}: cannot read it: {exc}") from None
    if head != SQLITE_MAGIC:
        raise DatabaseRefused(
            f"database {path} is not an SQLite file; point "
            "[hotspot] database at a new path (the file was not modified)"
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
            f"database {path} is not a hotspot database (it has tables "
            f"{', '.join(sorted(user_tables)[:5])}); point [hotspot] database "
            "at another file (this one was not modified)"
        )
    unknown = applied - KNOWN
    if unknown:
        raise DatabaseRefused(
            f"database {path} was written by a newer hotspot (schema "
            f"{max(unknown)}); upgrade hotspot (the database was not modified)"
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            finally:
                os.close(fd)
            raise DatabaseRefused(
                f"database {str(self.path)[:-5]} is in use by another hotspot "
                f"process (pid {other}); stop it first, or use another "
                "database"
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
