"""The writer's in-memory copy of what event grouping reads per item: the recent events (id,
title, terms, last seen) and, per keyword, the newest events that carry it.

``Store.candidate_events`` and ``Store.oldest_recent_event`` answer from here when the
question is inside what the copy covers, and from SQL otherwise; the answers are the same
rows in the same order (``tests/storage/test_event_index.py`` compares them query by query).
The copy is kept in step by the store's own writes (``create_event``, ``touch_events``;
it holds each event's platforms too, which ``touch_events`` folds every poll),
dropped on a rollback or when another connection commits, and rebuilt from the database
on the next question. Its size is that of the grouping window, not of the history:
events not seen for the window are dropped as the clock moves on, keywords whose events
all lie before the window's oldest event with them.
"""

from __future__ import annotations

import heapq
import sqlite3
import sys
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Sequence
from typing import Any

from hotspot.analysis.events import Candidate

#: per keyword, the newest event ids kept (``candidate_events`` reads at most ``per_term``)
KEPT = 200
#: stale events are dropped this long after they leave the window, so that polls stamped a
#: little out of order (two sources finishing together) still ask inside the copy
SLACK = 3600


def _next_prune(kept: int) -> int:
    """The size at which the copy is pruned again: a quarter over what the window kept (a
    prune is one pass over events and postings; at twice the window, as before, the copy
    held up to 8,000 events for a 5,000-event window)."""
    return kept + kept // 4 + 500


def _terms(words: list[str]) -> frozenset[str]:
    """An event's keywords with each word stored once for the whole copy (interned: the
    same keyword recurs across hundreds of events and is the key of its posting list)."""
    return frozenset(map(sys.intern, words))


class EventIndex:
    """Recent events and the keyword postings of events from ``id_floor`` on.

    Complete for questions with ``since >= since_floor`` and ``oldest >= id_floor``: every
    event seen since ``since_floor`` is in ``events``, and for every keyword the newest
    ``KEPT`` event ids at or above ``id_floor`` are in ``postings`` (ascending)."""

    __slots__ = (
        "_created",
        "_limbo",
        "_next_prune",
        "events",
        "heap",
        "id_floor",
        "next_id",
        "postings",
        "since_floor",
    )

    def __init__(self, conn: sqlite3.Connection, since: int):
        self.since_floor = since - SLACK
        # id -> [last_seen, Candidate, platforms]
        self.events: dict[int, list[Any]] = {}
        for eid, title, terms, last_seen, platforms in conn.execute(
            "SELECT id, title, terms, last_seen, platforms FROM events WHERE last_seen >= ? "
            "ORDER BY id",
            (self.since_floor,),
        ):
            self.events[eid] = [
                last_seen,
                Candidate(eid, title, _terms(terms.split())),
                platforms,
            ]
        self.heap = list(self.events)  # ascending ids: already a heap
        self._limbo: list[int] = []  # popped from the heap as stale, not yet forgotten
        self.next_id = (
            int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()[0]) + 1
        )
        self.id_floor = self.heap[0] if self.heap else self.next_id
        postings: dict[str, list[int]] = {}
        # events.terms is what create_event put in event_terms (read by id range, which the
        # primary key serves; event_terms is keyed by term)
        for eid, terms in conn.execute(
            "SELECT id, terms FROM events WHERE id >= ? ORDER BY id", (self.id_floor,)
        ):
            for term in dict.fromkeys(terms.split(" ")) if terms else ():
                postings.setdefault(sys.intern(term), []).append(eid)
        for term, ids in postings.items():
            if len(ids) > KEPT:
                postings[term] = ids[-KEPT:]
        self.postings = postings
        self._next_prune = _next_prune(len(self.events))
        self._created = 0  # events created since the last prune

    # -- questions --------------------------------------------------------------------------
    def covers(self, since: int) -> bool:
        return since >= self.since_floor

    def oldest(self, since: int) -> int | None:
        """``MIN(id) FROM events WHERE last_seen >= since`` (``covers(since)`` holds)."""
        heap, events = self.heap, self.events
        while heap:
            e = events.get(heap[0])
            if e is None:
                heapq.heappop(heap)
            elif e[0] < since:  # stale now; kept aside for a poll stamped a little earlier
                self._limbo.append(heapq.heappop(heap))
            else:
                break
        best = heap[0] if heap else None
        if self._limbo:
            cut, keep = since - SLACK, []
            for eid in self._limbo:
                e = events.get(eid)
                if e is None:
                    continue
                if e[0] < cut:  # left the window for good
                    del events[eid]
                    self.since_floor = max(self.since_floor, cut)
                    continue
                keep.append(eid)
                if e[0] >= since and (best is None or eid < best):
                    best = eid
            self._limbo = keep
        if len(events) > self._next_prune or self._created > self._next_prune // 2:
            self.prune(since)  # a quarter past the window's size: stays near it
        return best

    def candidates(
        self, terms: Sequence[str], since: int, oldest: int, limit: int, per_term: int
    ) -> list[tuple[int, int, Candidate]]:
        """(shared, last_seen, candidate) as ``candidate_events`` orders them; ``oldest >=
        id_floor`` and ``per_term <= KEPT`` hold."""
        counts: Counter[int] = Counter()
        postings = self.postings
        for term in terms:  # with repeats, as SQL's UNION ALL counts them
            ids = postings.get(term)
            if ids:
                start = max(bisect_left(ids, oldest), len(ids) - per_term)
                counts.update(ids[start:] if start else ids)
        get = self.events.get
        rows = [
            (-n, -e[0], eid, e[1])
            for eid, n in counts.items()
            if (e := get(eid)) is not None and e[0] >= since
        ]
        if len(rows) > limit:
            rows = heapq.nsmallest(limit, rows)
        else:
            rows.sort()
        return [(-n, -seen, c) for n, seen, _, c in rows]

    # -- writes -----------------------------------------------------------------------------
    def created(self, event_id: int, title: str, at: int, terms: Sequence[str]) -> None:
        self.events[event_id] = [
            at,
            Candidate(event_id, title, _terms(" ".join(terms).split())),
            "",
        ]
        heapq.heappush(self.heap, event_id)
        self.next_id = max(self.next_id, event_id + 1)
        self._created += 1
        for term in dict.fromkeys(terms):  # event_terms is a set: INSERT OR IGNORE
            ids = self.postings.setdefault(sys.intern(term), [])
            if not ids or ids[-1] < event_id:
                ids.append(event_id)
            elif event_id not in ids:
                insort(ids, event_id)
            if len(ids) > 2 * KEPT:
                del ids[:-KEPT]

    def returned(
        self, event_id: int, title: str, terms: str, last_seen: int, platforms: str
    ) -> bool:
        """An event seen again after it left the copy; False when the copy cannot take it
        (it is older than the postings kept: the store drops the copy)."""
        if event_id < self.id_floor:
            return False
        self.events[event_id] = [
            last_seen,
            Candidate(event_id, title, _terms(terms.split())),
            platforms,
        ]
        heapq.heappush(self.heap, event_id)
        return True

    def prune(self, since: int) -> None:
        """Drop events out of the window (less the slack) and keywords no question can reach."""
        cut = since - SLACK
        self.events = {eid: e for eid, e in self.events.items() if e[0] >= cut}
        self.heap = sorted(self.events)
        self._limbo = []
        self.since_floor = max(self.since_floor, cut)
        self.id_floor = max(self.id_floor, self.heap[0] if self.heap else self.next_id)
        floor = self.id_floor
        self.postings = {t: ids for t, ids in self.postings.items() if ids[-1] >= floor}
        self._next_prune = _next_prune(len(self.events))
        self._created = 0
