"""The planning desk applied to stored alerts: mark the sensitive ones and propose angles.

Pure over alert rows (dicts as the store returns them) and the configuration, so delivery
(digest, pushes) and the CLI share one rule:

* ``mark_sensitive(rows, accounts)`` sets ``row["sensitive"]`` to ``None`` or
  ``{"category", "label", "mark", "terms"}`` by the alert's account's ``sensitivity`` mode
  (the title, the item's summary and the platform's tag are read; given the store, also its
  learned sensitivity terms and the other titles of the alert's event);
* ``angles_for(row, account, nodes)`` proposes content angles for one alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from functools import lru_cache
from typing import Any

from hotspot.config import AccountConfig
from hotspot.planning.angles import Angle, load_templates, propose, salient_terms
from hotspot.planning.sensitivity import Sensitivity

SIBLINGS = 6  # the event's first titles read as its context


@lru_cache(maxsize=1)
def default_classifier() -> Sensitivity:
    return Sensitivity.load()


@lru_cache(maxsize=1)
def default_templates() -> dict[str, tuple[str, ...]]:
    return load_templates()


def verdict_dict(
    row: Mapping[str, Any],
    mode: str,
    classifier: Sensitivity | None = None,
    siblings: Sequence[str] = (),
) -> dict | None:
    c = classifier or default_classifier()
    v = c.classify(row.get("title") or "", row.get("summary"), row.get("category"), mode, siblings)
    if v is None:
        return None
    return {"category": v.category, "label": v.label, "mark": v.mark, "terms": list(v.terms)}


_LEARNED: dict[int, tuple[str | None, Sensitivity]] = {}


def classifier_for(store: Any, model: bool = True) -> Sensitivity:
    """The shipped lexicon plus what the store's history taught: learned sensitivity terms
    and the word model (``model=False``: without it). Cached until the next relearn."""
    from hotspot.planning.sensitivity_learn import STAMP, stored_learned
    from hotspot.planning.sensitivity_model import WordModel

    stamp = store.meta(STAMP)
    key = id(store) * 2 + model
    cached = _LEARNED.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    if stamp is None:
        return default_classifier()
    words = WordModel.from_store(store) if model else None
    c = default_classifier().with_learned(stored_learned(store), words)
    _LEARNED[key] = (stamp, c)
    return c


def event_titles(store: Any) -> Callable[[Any], list[str]]:
    """event id -> the titles of its items (as the sensitivity gate's event context)."""

    def titles(event_id: Any) -> list[str]:
        if event_id is None:
            return []
        return ["".join(t) for t in store.event_siblings(event_id, limit=SIBLINGS)]

    return titles


def mark_sensitive(
    rows: Iterable[MutableMapping[str, Any]],
    accounts: Sequence[AccountConfig],
    classifier: Sensitivity | None = None,
    store: Any = None,
) -> None:
    """With ``store``: its learned sensitivity terms and each alert's event context count."""
    modes = {a.name: a.sensitivity for a in accounts}
    if store is not None and classifier is None:
        classifier = classifier_for(store)
    siblings = event_titles(store) if store is not None else (lambda _e: [])
    for r in rows:
        if r.get("kind") == "source":
            r["sensitive"] = None
            continue
        mode = modes.get(r.get("account") or "", "normal")
        r["sensitive"] = verdict_dict(r, mode, classifier)
        if r["sensitive"] is None and mode != "off" and r.get("event_id") is not None:
            r["sensitive"] = verdict_dict(r, mode, classifier, siblings(r["event_id"]))


def linked_verticals(row: Mapping[str, Any]) -> list[str]:
    """The verticals the alert's evidence came through (``lexicon:food`` -> food)."""
    out: dict[str, None] = {}
    for e in (row.get("explanation") or {}).get("evidence", []):
        via = str(e.get("via") or "")
        for prefix in ("lexicon:", "category:", "learned:"):
            if via.startswith(prefix):
                out.setdefault(via[len(prefix) :].split("/")[0], None)
    return list(out)


def angles_for(
    row: Mapping[str, Any],
    account: AccountConfig | None,
    nodes: Sequence[tuple[str, Sequence[str]]] = (),
    templates: Mapping[str, Sequence[str]] | None = None,
) -> list[Angle]:
    """Angles for one alert row (with ``event_terms``, ``terms`` and ``explanation``)."""
    event_terms = str(row.get("event_terms") or "").split()
    terms = salient_terms(event_terms, row.get("terms") or (), title=row.get("title") or "")
    return propose(
        terms,
        audience=account.audience if account else (),
        pillars=account.pillars if account else (),
        verticals=linked_verticals(row),
        templates=templates if templates is not None else default_templates(),
        nodes=nodes,
    )
