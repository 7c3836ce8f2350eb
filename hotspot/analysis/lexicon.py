"""Domain lexicons: the vocabulary of each vertical (food, film_tv, finance ...) shipped in
``data/lexicons/*.txt``, plus any extra files listed under ``[hotspot] lexicons``.

File format (one vertical per file)::

    # vertical: food            ascii id
    # title: 美食               display name
    # names: 美食 餐饮 吃货 ...  words that, as a theme's name or keyword, link it here
    # categories: 剧集 电影     platform category tags that are evidence for this vertical
    # part_of: sports           the broader vertical this one is a part of (football of
                                sports): a theme linked to sports is linked to it too
    # related: health travel    neighbouring verticals (informational)
    # person_prior: weibo 0.65  an otherwise unexplained person name on this platform is
                                evidence for this vertical at this weight
    火锅                        a term (weight 1.0)
    饺子<TAB>0.5                a term with a weight in (0, 1]

Terms are stored in ``term_key`` form (NFKC, casefolded, no spaces or punctuation), the same
form the matcher builds from token runs, so "iPhone 16e" matches the tokens iphone·16·e.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from hotspot.errors import ConfigError
from hotspot.i18n import _

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)
_ACRONYM = re.compile(r"[A-Z]{3}")


def term_key(term: str) -> str:
    """The matching form of a term or of a run of tokens."""
    return _DROP.sub("", unicodedata.normalize("NFKC", term).casefold())


@dataclass(frozen=True, slots=True)
class Vertical:
    id: str
    title: str
    names: frozenset[str]
    categories: frozenset[str]
    terms: Mapping[str, float] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    person_prior: Mapping[str, float] = field(default_factory=dict)  # platform -> weight
    part_of: tuple[str, ...] = ()  # broader verticals whose themes include this one
    # terms written as three capitals (KPL, WBG, CPI): acronyms, names rather than words
    acronyms: frozenset[str] = frozenset()


def parse_lexicon(text: str, origin: str) -> Vertical:
    header: dict[str, str] = {}
    terms: dict[str, float] = {}
    acronyms: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if not line.strip():
            continue
        if line.startswith("#"):
            key, sep, value = line.lstrip("# ").partition(":")
            if sep and key.strip() in (
                "vertical",
                "title",
                "names",
                "categories",
                "related",
                "part_of",
                "person_prior",
            ):
                header[key.strip()] = value.strip()
            continue
        word, _sep, weight = line.partition("\t")
        key = term_key(word)
        if not key:
            continue
        try:
            w = float(weight) if weight.strip() else 1.0
        except ValueError:
            raise ConfigError(
                _("{origin}:{lineno}: weight {weight!r} is not a number").format(
                    origin=origin, lineno=lineno, weight=weight
                )
            ) from None
        if not 0 < w <= 1:
            raise ConfigError(
                _("{origin}:{lineno}: weight {w} must be in (0, 1]").format(
                    origin=origin, lineno=lineno, w=w
                )
            )
        terms[key] = max(w, terms.get(key, 0.0))
        if _ACRONYM.fullmatch(word.strip()):
            acronyms.add(key)
    prior: dict[str, float] = {}
    parts = header.get("person_prior", "").split()
    for platform, weight in zip(parts[::2], parts[1::2]):
        try:
            prior[platform] = float(weight)
        except ValueError:
            raise ConfigError(
                _("{origin}: person_prior weight {weight!r} is not a number").format(
                    origin=origin, weight=weight
                )
            ) from None
    vid = header.get("vertical") or Path(origin).stem
    return Vertical(
        id=vid,
        title=header.get("title", vid),
        names=frozenset(term_key(n) for n in header.get("names", "").split() if term_key(n)),
        categories=frozenset(c for c in header.get("categories", "").split() if c),
        terms=terms,
        related=tuple(header.get("related", "").split()),
        person_prior=prior,
        part_of=tuple(header.get("part_of", "").split()),
        acronyms=frozenset(acronyms),
    )


@lru_cache(maxsize=1)
def builtin_verticals() -> tuple[Vertical, ...]:
    root = resources.files("hotspot.data").joinpath("lexicons")
    out = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".txt"):
            out.append(parse_lexicon(entry.read_text("utf-8"), f"lexicons/{entry.name}"))
    return tuple(out)


def load_verticals(extra_files: Iterable[Path] = ()) -> tuple[Vertical, ...]:
    """Built-in verticals plus operator-supplied files (a same-id file replaces a built-in)."""
    by_id = {v.id: v for v in builtin_verticals()}
    for path in extra_files:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                _("{path}: cannot read lexicon file: {exc}").format(path=path, exc=exc)
            ) from None
        v = parse_lexicon(text, str(path))
        by_id[v.id] = v
    return tuple(by_id.values())
