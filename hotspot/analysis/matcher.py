"""Score hotspots against themes and explain every score. Pure: no I/O, no clock.

How a theme is scored (the README's "How matching works" says the same for operators):

1. Evidence is looked up in one inverted index (term -> postings) from the runs of 1-5
   whole tokens of the title and summary, so the cost per item does not depend on how many
   terms the themes and lexicons hold, and a term only matches whole tokens.
2. Direct evidence: the theme's ``keywords`` (weight 0.9 x the keyword's ``weights`` entry)
   and ``synonyms`` (0.8).
3. Vertical evidence: a theme is linked to the verticals (lexicons) its name or keywords
   belong to (or to its explicit ``verticals``); every term of a linked vertical is
   evidence at the term's lexicon weight x 0.8, the platform's own category tag at 0.75,
   and terms the daemon learned from history for that vertical at their learned weight.
   Ambiguous lexicon terms that history shows mostly in another domain are demoted.
4. Summary hits count for about half of title hits. A person name (jieba's ``nr``) with no
   other evidence at all is weak evidence for a vertical that declares a ``person_prior``
   for the platform (Weibo's list is mostly entertainment; Baidu's names are mostly not).
5. The score is the noisy-OR of the distinct pieces of evidence, 1 - prod(1 - w), so it is in
   [0, 1) and never drops when evidence is added. An item whose evidence points much more
   strongly to a vertical the theme is not linked to is damped (x0.6) unless a keyword of
   the theme itself is present. ``exclude`` terms (as substrings) force 0; when ``required``
   is set, one of its terms must appear.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from hotspot.analysis.lexicon import Vertical, term_key
from hotspot.config import ThemeConfig

MAX_SPAN = 5
KEYWORD_WEIGHT = 0.9
SYNONYM_WEIGHT = 0.8
LEXICON_FACTOR = 0.8
CATEGORY_WEIGHT = 0.75
SUMMARY_FACTOR = 0.55
WEAK_LINK_FACTOR = 0.8
PERSON_QUIET = 0.5  # the prior applies only when no vertical could match on its own evidence
FOREIGN_DAMPING = 0.6
FOREIGN_MARGIN = 0.25
MAX_EVIDENCE = 0.97
SUMMARY_CAP = 0.4  # all summary evidence together adds at most this: context, not votes
CONTEXT_FACTOR = 0.8  # evidence from another item of the same event (another platform's title)
SHORT_FACTOR = 0.5  # a short or contested word alone, or a word in its minority sense
LONE_MARGIN = 0.1  # a lone word loses to a story elsewhere that is clearly stronger
SIDE_FIELDS = ("summary", "event")
WORK_PARTS = True  # a word only inside a work's title in 《》 names the work: it counts half
_SHORT_LATIN = re.compile(r"[a-z]{1,3}")
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
_WORK = re.compile(r"《([^《》]+)》")


@dataclass(frozen=True, slots=True)
class Document:
    """What the matcher reads of one hotspot: tokens, raw text (for exclusions), tag."""

    title_tokens: Sequence[str]
    summary_tokens: Sequence[str] = ()
    title: str = ""
    summary: str = ""
    category: str | None = None
    platform: str | None = None
    persons: Sequence[str] = ()
    # title tokens of other items of the same event: the story as other platforms tell it
    context: Sequence[Sequence[str]] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    term: str
    weight: float
    via: str  # keyword | synonym | lexicon:<vertical> | category:<vertical> | learned:<scope>
    field: str  # title | summary | tag | event


@dataclass(frozen=True, slots=True)
class Match:
    account: str
    theme: str
    score: float
    threshold: float
    evidence: tuple[Evidence, ...] = ()
    excluded_by: str | None = None
    damped_by: str | None = None
    feedback: tuple[tuple[str, int, int], ...] = ()  # (term, irrelevant, useful) applied

    @property
    def passed(self) -> bool:
        return self.excluded_by is None and self.score >= self.threshold and self.score > 0

    @property
    def terms(self) -> list[str]:
        seen: dict[str, None] = {}
        for e in self.evidence:
            seen.setdefault(e.term, None)
        return list(seen)

    def explanation(self) -> dict:
        return {
            "score": round(self.score, 4),
            "threshold": self.threshold,
            "excluded_by": self.excluded_by,
            "damped_by": self.damped_by,
            **(
                {
                    "feedback": [
                        {"term": t, "irrelevant": i, "useful": u} for t, i, u in self.feedback
                    ]
                }
                if self.feedback
                else {}
            ),
            "evidence": [
                {"term": e.term, "weight": round(e.weight, 3), "via": e.via, "field": e.field}
                for e in self.evidence
            ],
        }


@dataclass(frozen=True, slots=True)
class Learned:
    """What history taught: extra terms per scope and demotion factors for lexicon terms."""

    terms: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # scope -> term -> w
    demoted: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # vertical -> term
    # vertical -> term -> factor applied when the term is a theme's only evidence: history
    # shows it mostly without the vertical's other evidence (救援, 首秀: ambiguous alone)
    alone: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # theme name -> keyword -> factor when the keyword is the theme's only evidence
    keyword_alone: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # (account, theme) -> term -> (alerts marked irrelevant, alerts marked useful/chased)
    feedback: Mapping[tuple[str, str], Mapping[str, tuple[int, int]]] = field(default_factory=dict)


@dataclass(slots=True)
class _Theme:
    """One distinct theme definition, shared by every account that configures it alike."""

    accounts: list[str]
    config: ThemeConfig
    links: dict[int, float]  # vertical index -> link factor
    exclude: tuple[str, ...]
    required: frozenset[str]
    # definitions with the same name and links score alike on the same direct evidence
    shape: int = 0
    # the accounts in order, as runs: (accounts without feedback on this theme, None) or
    # ((one account,), its feedback); see Matcher.match_groups
    plan: list[tuple[tuple[str, ...], Mapping[str, tuple[int, int]] | None]] = field(
        default_factory=list
    )


def _definition(theme: ThemeConfig) -> tuple:
    return (
        theme.name,
        theme.keywords,
        theme.exclude,
        theme.required,
        theme.synonyms,
        tuple(sorted(theme.weights.items())),
        theme.min_score,
        theme.verticals,
        theme.exclude_verticals,
        theme.expand,
    )


def link_verticals(theme: ThemeConfig, verticals: Sequence[Vertical]) -> dict[int, float]:
    """Which verticals a theme inherits, and how strongly (``link_reasons`` says why).

    Strong (1.0): the theme's name is the vertical's title, or (when no vertical has that
    title) one of the vertical's names, or two or more of its keywords are the vertical's
    names or strong terms. A name several verticals list takes the senses its keywords
    back: 出行 with 旅行, 民宿, 航班 is travel, not traffic_driving (which lists 出行 for
    commuting), unless no keyword backs any of them. A keyword that is exactly one vertical's title (汽车, 美食) names
    that vertical only, not every vertical that lists the word (traffic_driving lists 汽车).
    Weak (0.8): one keyword names the vertical; kept only when
    the theme has no strong link, or when every strongly linked vertical lists it as related
    (影视娱乐 with 演唱会 -> music), so one stray keyword (电竞 under 游戏) cannot pull in a
    whole neighbouring domain. ``verticals`` replaces all of this; ``exclude_verticals``
    removes links. A vertical that declares itself ``part_of`` a strongly linked one is
    linked too: it is inside the theme's own domain.
    """
    return {i: f for i, (f, _) in link_reasons(theme, verticals).items()}


def link_reasons(theme: ThemeConfig, verticals: Sequence[Vertical]) -> dict[int, tuple[float, str]]:
    """vertical index -> (link factor, why): "explicit", "name 汽车", "keywords 足球, 国足"."""
    excluded = set(theme.exclude_verticals)
    if theme.verticals is not None:
        wanted = set(theme.verticals)
        return {
            i: (1.0, "explicit")
            for i, v in enumerate(verticals)
            if v.id in wanted and v.id not in excluded
        }
    name = term_key(theme.name)
    words = {term_key(k) for k in (*theme.keywords, *theme.synonyms)} - {""}
    titles = {term_key(v.title): i for i, v in enumerate(verticals)}
    strong: dict[int, tuple[float, str]] = {}
    weak: dict[int, tuple[float, str]] = {}
    # a name that is exactly one vertical's title ("篮球") means that vertical, not every
    # vertical that lists the word among its names (体育 lists 篮球 too)
    titled = name in titles
    named: dict[int, int] = {}  # vertical -> how many keywords back it, when a name links it
    for i, v in enumerate(verticals):
        if v.id in excluded:
            continue
        own = [w for w in words if titles.get(w, i) == i]  # others' titles name the others
        hits = sorted(w for w in own if w in v.names or v.terms.get(w, 0) >= 0.7)
        if name and (term_key(v.title) == name or (not titled and name in v.names)):
            strong[i] = (1.0, f"name {theme.name}")
            if not titled:
                named[i] = len(hits)
            continue
        if len(hits) >= 2:
            strong[i] = (1.0, "keywords " + ", ".join(hits))
        elif hits and hits[0] in v.names:
            weak[i] = (WEAK_LINK_FACTOR, f"keyword {hits[0]}")
    if len(named) > 1 and any(named.values()):
        # a name several verticals list (出行: travel, and commuting in traffic_driving) means
        # the senses the theme's keywords back (旅行, 民宿, 航班): the others are not linked
        for i, backing in named.items():
            if not backing:
                del strong[i]
    if not strong:
        strong = weak
    else:
        # judged against the strong links only: a weak link admitted here is not a judge of
        # the next one (财经's 房价 -> real_estate must not depend on economy sorting first)
        judges = list(strong)
        for i, link in weak.items():
            if all(verticals[i].id in verticals[j].related for j in judges):
                strong[i] = link
    # the theme's own domain includes its parts (体育 -> football, basketball; 游戏 -> esports)
    ids = {verticals[i].id: f for i, (f, _) in strong.items()}
    for i, v in enumerate(verticals):
        if v.id in excluded or (i in strong and strong[i][0] == 1.0):
            continue
        # a part is inside the domain even when one keyword linked it weakly first (美食 with
        # 奶茶 -> drinks, 财经 with 经济 -> economy): in full, as 理财's economy is
        parents = [p for p in v.part_of if ids.get(p) == 1.0]
        if parents:
            strong[i] = (1.0, f"part of {parents[0]}")
    return strong


class Matcher:
    """Scores documents against many accounts' themes through one inverted index."""

    def __init__(
        self,
        themes: Iterable[tuple[str, ThemeConfig]],
        verticals: Sequence[Vertical] = (),
        learned: Learned | None = None,
    ):
        self.verticals = tuple(verticals)
        learned = learned or Learned()
        self._themes: list[_Theme] = []
        self._pairs: list[tuple[str, ThemeConfig]] = []
        # term -> list of (kind, indexes, weight, via); kind 0 = theme definitions, 1 = one
        # vertical. The definitions that share a term at one weight and via share a posting.
        self._index: dict[str, list[tuple[int, tuple[int, ...], float, str]]] = {}
        self._category: dict[str, list[int]] = {}
        self._person_prior: dict[str, list[tuple[int, float]]] = {}
        self._alone: dict[str, dict[str, float]] = {}  # via string -> term -> factor
        self._feedback = learned.feedback
        self._keyword_alone = learned.keyword_alone
        base = _lexicon_base(self.verticals, learned.demoted)
        # the lexicon postings are shared with every matcher built on the same verticals and
        # demotions (an hourly relearn that only changes learned terms reuses them): the
        # index is a copy of the base's dict, and a term that gets more postings gets its
        # own list (``_post``), so the base is never changed
        self._index.update(base.index)
        self._base = base  # kept alive by the matchers that use it (``_BASES`` is weak)
        self._owned: set[str] = set()
        self._category, self._person_prior = base.category, base.person_prior
        self._contested = base.contested
        self._acronyms = base.acronyms
        resort: set[str] = set()
        for vi, v in enumerate(self.verticals):
            via_lexicon, via_learned = f"lexicon:{v.id}", f"learned:{v.id}"
            if v.id in learned.alone:
                self._alone[via_lexicon] = dict(learned.alone[v.id])
            for term, w in learned.terms.get(f"v:{v.id}", {}).items():
                if term not in v.terms:
                    if term in base.index:
                        resort.add(term)
                    self._post(term, (1, (vi,), w, via_learned))
        # a vertical's postings of a term in vertical order, as if built vertical by vertical
        # (each vertical has at most one posting per term: lexicon or learned)
        for term in resort:
            self._index[term].sort(key=lambda p: p[1][0])
        by_definition: dict[tuple, int] = {}
        shared: dict[tuple[str, float, str], list[int]] = {}  # (term, weight, via) -> defs
        for account, theme in themes:
            self._pairs.append((account, theme))
            ti = by_definition.get(_definition(theme))
            if ti is not None:  # an agency's accounts often share a theme: score it once
                self._themes[ti].accounts.append(account)
                continue
            ti = by_definition[_definition(theme)] = len(self._themes)
            self._themes.append(
                _Theme(
                    accounts=[account],
                    config=theme,
                    links=link_verticals(theme, self.verticals),
                    exclude=tuple(term_key(x) for x in theme.exclude if term_key(x)),
                    required=frozenset(term_key(x) for x in theme.required if term_key(x)),
                )
            )
            weights = {term_key(k): w for k, w in theme.weights.items()}
            posts: list[tuple[str, float, str]] = []
            for kw in theme.keywords:
                key = term_key(kw)
                if key:
                    w = min(MAX_EVIDENCE, KEYWORD_WEIGHT * weights.get(key, 1.0))
                    posts.append((key, w, "keyword"))
            for syn in theme.synonyms:
                key = term_key(syn)
                if key:
                    w = min(MAX_EVIDENCE, SYNONYM_WEIGHT * weights.get(key, 1.0))
                    posts.append((key, w, "synonym"))
            if theme.expand:
                for term, w in learned.terms.get(f"t:{theme.name}", {}).items():
                    posts.append((term, w, f"learned:{theme.name}"))
            for post in posts:
                tis = shared.setdefault(post, [])
                if not tis or tis[-1] != ti:  # a keyword listed twice is one posting
                    tis.append(ti)
        # One definition's postings of one term must keep their order (keyword, synonym,
        # learned: the first of equal weights is the evidence shown); across definitions the
        # order does not matter, each fills its own evidence.
        rank = {"keyword": 0, "synonym": 1}
        for (term, w, via), tis in sorted(shared.items(), key=lambda p: rank.get(p[0][2], 2)):
            self._post(term, (0, tuple(tis), w, via))
        self._by_account: dict[tuple[str, str], int] = {}
        shapes: dict[tuple, int] = {}
        for ti, t in enumerate(self._themes):
            t.shape = shapes.setdefault((t.config.name, tuple(t.links.items())), len(shapes))
            plain: list[str] = []
            for account in t.accounts:
                self._by_account.setdefault((account, t.config.name), ti)
                judged = self._feedback.get((account, t.config.name))
                if judged:
                    if plain:
                        t.plan.append((tuple(plain), None))
                        plain = []
                    t.plan.append(((account,), judged))
                else:
                    plain.append(account)
            if plain:
                t.plan.append((tuple(plain), None))
        self._max_len = max((len(t) for t in self._index), default=0)
        self._needs_text = any(t.exclude or t.required for t in self._themes)
        self._by_vertical: dict[int, list[int]] = {}  # vertical -> themes linked to it
        for ti, t in enumerate(self._themes):
            for vi in t.links:
                self._by_vertical.setdefault(vi, []).append(ti)

    @property
    def themes(self) -> list[tuple[str, ThemeConfig]]:
        return list(self._pairs)

    def linked(self, account: str, theme: str) -> list[str]:
        ti = self._by_account.get((account, theme))
        return [] if ti is None else [self.verticals[i].id for i in self._themes[ti].links]

    def _post(self, term: str, posting: tuple[int, tuple[int, ...], float, str]) -> None:
        postings = self._index.get(term)
        if postings is None:
            self._index[term] = [posting]
            self._owned.add(term)
        elif term in self._owned:
            postings.append(posting)
        else:  # a shared lexicon list: this matcher's own copy
            self._index[term] = [*postings, posting]
            self._owned.add(term)

    def spans(self, tokens: Sequence[str]) -> list[str]:
        """The runs of 1..MAX_SPAN whole tokens that are index terms, except runs that lie
        inside a longer matched run: the phrase owns its words (过马路 owns 马路, 电子科技大学
        owns 科技, 政府工作报告 owns 工作), so a generic word counts only in its own sense.

        In the order they appear (each once), so that evidence of equal weight is listed in
        the same order whatever else the index holds (other accounts' keywords) and in
        every process (a set's order follows the per-process string hash)."""
        found: list[tuple[int, int, str]] = []
        index, limit, n = self._index, self._max_len, len(tokens)
        for i in range(n):
            key = ""
            for j in range(i, min(n, i + MAX_SPAN)):
                key += tokens[j]
                if len(key) > limit:
                    break
                if key in index:
                    found.append((i, j, key))
        kept: dict[str, None] = {}
        for i, j, key in found:
            if not any(a <= i and j <= b and (a, b) != (i, j) for a, b, _ in found):
                kept.setdefault(key, None)
        return list(kept)

    def _evidence(
        self, doc: Document
    ) -> tuple[dict[int, dict[str, Evidence]], dict[int, dict[str, Evidence]]]:
        """Evidence per theme and per vertical (best weight per term)."""
        theme_ev: dict[int, dict[str, Evidence]] = {}
        vert_ev: dict[int, dict[str, Evidence]] = {}
        for field_name, tokens, factor in (
            ("title", doc.title_tokens, 1.0),
            ("summary", doc.summary_tokens, SUMMARY_FACTOR),
            *(("event", ctx, CONTEXT_FACTOR) for ctx in doc.context),
        ):
            if not tokens:
                continue
            for term in self.spans(tokens):
                for kind, targets, w, via in self._index[term]:
                    found = theme_ev if kind == 0 else vert_ev
                    weight = w * factor
                    e = None  # one object for every definition of the posting
                    for idx in targets:
                        bucket = found.get(idx)
                        if bucket is None:
                            bucket = found[idx] = {}
                        old = bucket.get(term)
                        if old is None or old.weight < weight:
                            if e is None:
                                e = Evidence(term, weight, via, field_name)
                            bucket[term] = e
        if WORK_PARTS and "《" in doc.title:
            _work_parts(doc.title, theme_ev, vert_ev)
        if len(vert_ev) > 1:
            _share_by_context(vert_ev)
        for vi, ev in vert_ev.items():
            if len(ev) == 1:
                (only,) = ev.values()
                if (vi, only.term) in self._contested and only.via.startswith("lexicon:"):
                    ev[only.term] = replace(only, weight=only.weight * SHORT_FACTOR)
        if doc.category:
            for vi in self._category.get(doc.category, ()):
                vert_ev.setdefault(vi, {})[f"#{doc.category}"] = Evidence(
                    doc.category, CATEGORY_WEIGHT, f"category:{self.verticals[vi].id}", "tag"
                )
        if (
            doc.persons
            and doc.platform in self._person_prior
            and not theme_ev
            and all(
                noisy_or(e.weight for e in ev.values()) < PERSON_QUIET for ev in vert_ev.values()
            )
        ):
            # a name and nothing else: on a platform whose list is mostly entertainment, that
            # is weak evidence of entertainment (a vertical declares it: "# person_prior:")
            for vi, weight in self._person_prior[doc.platform]:
                vert_ev.setdefault(vi, {})[f"@{doc.persons[0]}"] = Evidence(
                    doc.persons[0], weight, f"person:{self.verticals[vi].id}", "title"
                )
        return theme_ev, vert_ev

    def vertical_evidence(self, doc: Document) -> dict[str, dict[str, float]]:
        """vertical id -> {term: weight} for ``doc`` (what learning reads)."""
        _, vert_ev = self._evidence(doc)
        return {
            self.verticals[vi].id: {t: e.weight for t, e in ev.items()}
            for vi, ev in vert_ev.items()
        }

    def keyword_hits(self, doc: Document) -> dict[tuple[str, str], set[str]]:
        """(account, theme) -> the theme's own keywords/synonyms found in ``doc``."""
        theme_ev, _ = self._evidence(doc)
        return {
            (account, self._themes[ti].config.name): set(ev)
            for ti, ev in theme_ev.items()
            for account in self._themes[ti].accounts
        }

    def match(self, doc: Document, *, all_scores: bool = False) -> list[Match]:
        """Matches of ``doc`` per theme: only those that passed unless ``all_scores``."""
        return [
            m if account == m.account else _for_account(m, account)
            for m, accounts in self.match_groups(doc, all_scores=all_scores)
            for account in accounts
        ]

    def match_groups(
        self, doc: Document, *, all_scores: bool = False
    ) -> list[tuple[Match, tuple[str, ...]]]:
        """``match`` with the accounts that share one result given once: (match, accounts),
        the match naming the first of them; flattened in order, exactly ``match``'s list.

        The work follows the distinct definitions and the evidence they share, not the
        accounts: a definition is scored once for all its accounts (only an account's own
        feedback sets it apart), and definitions of one name and the same linked verticals
        whose direct evidence in this document is the same (a city keyword that did not
        appear, another ``min_score``, another ``exclude``) share one score; the threshold,
        ``exclude`` and ``required`` are applied per definition after it."""
        theme_ev, vert_ev = self._evidence(doc)
        strength = {vi: noisy_or(e.weight for e in ev.values()) for vi, ev in vert_ev.items()}
        if not theme_ev and not strength and not all_scores:
            return []
        text_key = term_key(f"{doc.title} {doc.summary}") if self._needs_text else ""
        if all_scores:
            candidates: Iterable[int] = range(len(self._themes))
        else:  # only themes with evidence: the cost follows the evidence, not the theme count
            wanted = set(theme_ev)
            for vi in vert_ev:
                wanted.update(self._by_vertical.get(vi, ()))
            candidates = sorted(wanted)
        scored: dict[tuple, tuple[float, tuple[Evidence, ...], str | None]] = {}
        acronyms = _acronyms(doc.title)
        results: list[tuple[Match, tuple[str, ...]]] = []
        for ti in candidates:
            theme = self._themes[ti]
            direct = theme_ev.get(ti)
            key = (theme.shape, tuple(direct.items()) if direct else ())
            got = scored.get(key)
            if got is None:
                got = scored[key] = self._score(theme, direct or {}, vert_ev, strength, acronyms)
            score, ordered, damped = got
            if not ordered and not all_scores:
                continue
            excluded = next((x for x in theme.exclude if x in text_key), None)
            if (
                theme.required
                and excluded is None
                and not any(r in text_key for r in theme.required)
            ):
                excluded = "(no required term)"
            m = Match(
                account=theme.accounts[0],
                theme=theme.config.name,
                score=0.0 if excluded else score,
                threshold=theme.config.min_score,
                evidence=ordered,
                excluded_by=excluded,
                damped_by=damped,
            )
            passed = m.passed
            for accounts, judged in theme.plan:
                mine = m if accounts[0] == m.account else _for_account(m, accounts[0])
                if judged is None:
                    if all_scores or passed:
                        results.append((mine, accounts))
                    continue
                if not excluded:
                    mine = _with_feedback(mine, judged)
                if all_scores or mine.passed:
                    results.append((mine, accounts))
        return results

    def _score(
        self,
        theme: _Theme,
        direct: dict[str, Evidence],
        vert_ev: dict[int, dict[str, Evidence]],
        strength: dict[int, float],
        acronyms: frozenset[str] = frozenset(),
    ) -> tuple[float, tuple[Evidence, ...], str | None]:
        """(score, evidence strongest first, the vertical that damped it) of one definition
        whose direct evidence in the document is ``direct``; before exclusion and feedback."""
        evidence = dict(direct)
        for vi, factor in theme.links.items():
            for term, e in vert_ev.get(vi, {}).items():
                weight = e.weight * factor
                if term not in evidence or evidence[term].weight < weight:
                    evidence[term] = Evidence(e.term, weight, e.via, e.field)
        if not evidence:
            return 0.0, (), None
        if len(evidence) == 1:
            (only,) = evidence.values()
            alone: float | None = None
            if only.via.startswith("lexicon:") and is_short(only.term):
                # a short word alone (pro, max, 猫) counts half unless history vouches; an
                # acronym (KPL, WBG: three capitals in the lexicon and in the title) is a
                # name, not a part of words, and keeps its lexicon weight
                default = SHORT_FACTOR
                if only.term in acronyms and (only.via, only.term) in self._acronyms:
                    default = 1.0
                alone = self._alone.get(only.via, {}).get(only.term, default)
            elif only.via == "keyword":  # a keyword history shows is generic alone
                alone = self._keyword_alone.get(theme.config.name, {}).get(only.term)
            if alone is not None:
                evidence = {only.term: replace(only, weight=only.weight * alone)}
        score = combine(evidence.values())
        damped = None
        if score > 0 and not direct:
            foreign = [(s, vi) for vi, s in strength.items() if vi not in theme.links]
            if foreign:
                best, fvi = max(foreign)
                margin = FOREIGN_MARGIN
                if len(evidence) == 1:
                    margin = LONE_MARGIN  # one word here, a whole story elsewhere
                if best >= score + margin:
                    score *= FOREIGN_DAMPING
                    damped = self.verticals[fvi].id
        ordered = tuple(sorted(evidence.values(), key=lambda e: -e.weight))
        return round(score, 4), ordered, damped


@dataclass(slots=True, weakref_slot=True)
class _LexiconBase:
    """What a matcher builds from the verticals and demotions alone (see ``_lexicon_base``)."""

    verticals: tuple[Vertical, ...]
    demoted: dict[str, dict[str, float]]
    index: dict[str, list[tuple[int, tuple[int, ...], float, str]]]
    category: dict[str, list[int]]
    person_prior: dict[str, list[tuple[int, float]]]
    contested: set[tuple[int, str]]
    acronyms: set[tuple[str, str]] = field(default_factory=set)  # (via, term) of KPL, CPI


#: the bases of the matchers alive, newest last. Weak: a base lives as long as a matcher built
#: on it (the engine's; the relearn's theme-less lexicon matcher while it runs, or for a whole
#: replay inside ``learn.reuse_lexicon``), not for good: each base holds the 35,000 lexicon
#: postings (about 8 MB), and keeping the relearn's after it ended cost a daemon 8 MB to save
#: 0.03 s CPU an hour
_BASES: list[weakref.ref[_LexiconBase]] = []


def _lexicon_base(
    verticals: tuple[Vertical, ...], demoted: Mapping[str, Mapping[str, float]]
) -> _LexiconBase:
    """The lexicon postings (35,000 terms with the shipped lexicons), category and person
    priors and contested terms of these vertical objects under these demotions, built once
    and shared: a matcher rebuilt after a relearn that changed only learned terms (85 of a
    live replay's 96 hourly relearns: entity weights fade every hour) costs its themes and
    learned terms, not the lexicons. Matchers only read the base (``Matcher._post``)."""
    wanted = {v.id: dict(demoted[v.id]) for v in verticals if demoted.get(v.id)}
    _BASES[:] = [ref for ref in _BASES if ref() is not None]
    for ref in _BASES:
        base = ref()
        if base is not None and (
            len(base.verticals) == len(verticals)
            and all(a is b for a, b in zip(base.verticals, verticals))
            and base.demoted == wanted
        ):
            return base
    index: dict[str, list[tuple[int, tuple[int, ...], float, str]]] = {}
    category: dict[str, list[int]] = {}
    person_prior: dict[str, list[tuple[int, float]]] = {}
    # postings are immutable: a vertical's terms of one weight share one posting tuple (and
    # its ``(vi,)``), 35,000 terms make a few hundred postings instead of 70,000 objects
    postings: dict[tuple[int, tuple[int, ...], float, str], tuple] = {}
    for vi, v in enumerate(verticals):
        down = wanted.get(v.id, {})
        via_lexicon = f"lexicon:{v.id}"  # one string for all its postings
        only = (vi,)
        for term, w in v.terms.items():
            w *= LEXICON_FACTOR * down.get(term, 1.0)
            posting = (1, only, w, via_lexicon)
            index.setdefault(term, []).append(postings.setdefault(posting, posting))
        for cat in v.categories:
            category.setdefault(cat, []).append(vi)
        for platform, weight in v.person_prior.items():
            person_prior.setdefault(platform, []).append((vi, weight))
    # a term one vertical holds weakly and another strongly (苹果: food 0.6, tech 1.0) is,
    # in the weak vertical, the minority sense: alone it counts for less
    strong_in: dict[str, set[int]] = {}
    for vi, v in enumerate(verticals):
        for term, w in v.terms.items():
            if w >= 0.7:
                strong_in.setdefault(term, set()).add(vi)
    contested = {
        (vi, term)
        for vi, v in enumerate(verticals)
        for term, w in v.terms.items()
        if w < 0.7 and strong_in.get(term, set()) - {vi}
    }
    acronyms = {(f"lexicon:{v.id}", t) for v in verticals for t in v.acronyms}
    base = _LexiconBase(
        tuple(verticals), wanted, index, category, person_prior, contested, acronyms
    )
    _BASES.append(weakref.ref(base))
    return base


def _for_account(m: Match, account: str) -> Match:
    """``m`` for another account (``dataclasses.replace`` costs more, and this runs per
    account)."""
    return Match(
        account, m.theme, m.score, m.threshold, m.evidence, m.excluded_by, m.damped_by, m.feedback
    )


def _work_parts(title: str, *buckets: dict[int, dict[str, Evidence]]) -> None:
    """A word that occurs in the title only inside the name of a work (火锅 in 《火锅艺术家》,
    西游 in 《西游记》) is part of that name, as a phrase owns its words: it counts half. The
    whole name (《哪吒2》 -> 哪吒2) counts in full."""
    works = [term_key(w) for w in _WORK.findall(title)]
    outside = term_key(_WORK.sub(" ", title))
    for bucket in buckets:
        for ev in bucket.values():
            for term, e in ev.items():
                if (
                    e.field == "title"
                    and term not in outside
                    and any(term in w and term != w for w in works)
                ):
                    ev[term] = replace(e, weight=e.weight * SHORT_FACTOR)


def _share_by_context(vert_ev: dict[int, dict[str, Evidence]]) -> None:
    """A word several verticals hold (首秀: a car's debut, an athlete's first race) takes the
    sense of the vertical whose *other* evidence in this item is strongest; for the others
    it counts half (苏炳添全运年首秀夺冠 is an athlete's 首秀)."""
    holders: dict[str, list[int]] = {}
    for vi, ev in vert_ev.items():
        for term in ev:
            if not term.startswith(("#", "@")):
                holders.setdefault(term, []).append(vi)
    shared = {t for t, vis in holders.items() if len(vis) > 1}
    if not shared:
        return
    context = {
        vi: noisy_or(e.weight for t, e in ev.items() if t not in shared)
        for vi, ev in vert_ev.items()
    }
    for term in shared:
        top = max(context[vi] for vi in holders[term])
        if top <= 0:
            continue
        for vi in holders[term]:
            if context[vi] < top:
                e = vert_ev[vi][term]
                vert_ev[vi][term] = replace(e, weight=e.weight * SHORT_FACTOR)


def feedback_factor(irrelevant: int, useful: int) -> float:
    """How much of a term's weight is left for a theme after the operator's judgements of
    alerts it was evidence for: (useful + 1) / (useful + irrelevant + 1). One irrelevant mark
    halves it, three leave a quarter; useful marks confirm the term and undo the muting."""
    return (useful + 1) / (useful + irrelevant + 1)


def _with_feedback(m: Match, judged: Mapping[str, tuple[int, int]]) -> Match:
    """``m`` with its evidence re-weighted by the operator's feedback on this theme."""
    applied = []
    evidence = []
    for e in m.evidence:
        counts = judged.get(e.term)
        if counts is None:
            evidence.append(e)
            continue
        applied.append((e.term, *counts))
        evidence.append(replace(e, weight=e.weight * feedback_factor(*counts)))
    if not applied:
        return m
    score = combine(evidence)
    if m.damped_by:
        score *= FOREIGN_DAMPING
    ordered = tuple(sorted(evidence, key=lambda e: -e.weight))
    return replace(m, score=round(score, 4), evidence=ordered, feedback=tuple(applied))


def _acronyms(title: str) -> frozenset[str]:
    """The runs of exactly three capital letters in ``title`` (KPL, WBG; not Pro, not MAXX),
    in matching form."""
    if not any("A" <= c <= "Z" or "Ａ" <= c <= "Ｚ" for c in title):
        return frozenset()
    found = _ACRONYM.findall(unicodedata.normalize("NFKC", title))
    return frozenset(a.casefold() for a in found)


def is_short(term: str) -> bool:
    """1-3 Latin letters (pro, max, ai) or one Han character (猫, 车): parts of many words."""
    return bool(_SHORT_LATIN.fullmatch(term)) or (len(term) == 1 and not term.isascii())


def combine(evidence: Iterable[Evidence]) -> float:
    """Noisy-OR of the title and tag evidence, plus the summary's noisy-OR capped at
    ``SUMMARY_CAP``: a long summary full of weak words cannot make a confident score, and a
    summary alone cannot pass the default threshold."""
    main: list[float] = []
    side: list[float] = []
    for e in evidence:
        (side if e.field in SIDE_FIELDS else main).append(e.weight)
    return 1.0 - (1.0 - noisy_or(main)) * (1.0 - min(SUMMARY_CAP, noisy_or(side)))


def noisy_or(weights: Iterable[float]) -> float:
    """1 - prod(1 - w): combines independent evidence; monotone, in [0, 1)."""
    miss = 1.0
    for w in weights:
        miss *= 1.0 - min(max(w, 0.0), MAX_EVIDENCE)
    return 1.0 - miss
