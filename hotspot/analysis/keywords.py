"""Segmentation and keyword extraction: the only module that imports a jieba.

Titles are segmented once, at ingest, into *tokens*: NFKC-normalised, casefolded, punctuation
dropped, and ASCII words split at letter/digit boundaries ("iPhone16e" -> iphone 16 e,
"小米SU7" -> 小米 su 7), so a term matches only whole tokens or runs of whole tokens: "猫" never
matches inside "熊猫", nor "AI" inside "MAIL", while "小米SU7" still matches. The same pass
tags person names (jieba's ``nr``), which the matcher may use as weak evidence.

The segmenter is jieba's dictionary and algorithm. It runs on rjieba (the Rust port; the same
output as jieba on 10,000 test titles, 20-30x faster, 42 MB) when installed, and falls back to
jieba. Theme keywords and lexicon terms are added as user words so they stay one token
("奶茶", "DeepSeek"). Each ``Segmenter`` owns its dictionary: user words added to one are
never seen by another.

Memory: one rjieba dictionary costs about 24 MB, and ``import rjieba`` builds one at once (its
module-level ``_DEFAULT_JIEBA``, behind ``rjieba.cut`` and friends, which hotspot never calls).
So the first ``Segmenter`` of a process *adopts* that instance instead of building a second,
identical one (``_adopt_default``); later ones build their own. The adopted instance is claimed
once per process and never handed out again, so ownership stays exclusive (a daemon holds one
dictionary, not two: 24 MB of its budget).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from threading import Lock
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

_ASCII_RUN = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)?")
_HAS_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
USER_WORD_FREQ = 2_000_000  # high enough that "火锅店" splits into 火锅|店 once 火锅 is a keyword

_default_claimed = False
_claim_lock = Lock()


def _adopt_default(rjieba: ModuleType) -> Any:
    """rjieba's import-time instance for the first caller of the process, else None.

    It was built by the same ``Jieba()`` call a Segmenter makes, and nothing in hotspot uses
    rjieba's module-level functions (this is the only module that imports it), so it is a
    fresh dictionary; claiming it once keeps it owned by one Segmenter."""
    global _default_claimed
    with _claim_lock:
        if _default_claimed:
            return None
        _default_claimed = True
    return getattr(rjieba, "_DEFAULT_JIEBA", None)


class Segmenter:
    """jieba segmentation with its own dictionary and hotspot's token normalisation."""

    def __init__(self, user_words: Iterable[str] = ()):
        self.backend = "rjieba"
        try:
            import rjieba

            engine: rjieba.Jieba = _adopt_default(rjieba) or rjieba.Jieba()
            self._engine = engine
            self._cut = lambda text: self._engine.cut(text, True)
            self._tag = lambda text: self._engine.tag(text, True)
            self._add = lambda word: self._engine.add_word(word, USER_WORD_FREQ, None)
        except ImportError:  # pragma: no cover - rjieba is a dependency; jieba is the fallback
            import jieba

            self.backend = "jieba"
            jieba.setLogLevel(logging.WARNING)
            import jieba.posseg

            self._engine = jieba.Tokenizer()
            self._cut = lambda text: self._engine.lcut(text, HMM=True)  # type: ignore[attr-defined]
            pos = jieba.posseg.POSTokenizer(self._engine)
            self._tag = lambda text: [(p.word, p.flag) for p in pos.lcut(text, HMM=True)]
            self._add = lambda word: self._engine.add_word(word, USER_WORD_FREQ)  # type: ignore[call-arg]
        self._user_words: set[str] = set()
        self.add_words(user_words)

    @property
    def words_added(self) -> int:
        """How many user words this segmenter has been given (a word's tag can change only
        when this grows: what remembers tags keys on it)."""
        return len(self._user_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Keep these words one token. Adding a word twice does nothing."""
        for word in words:
            word = word.strip()
            if len(word) > 1 and word not in self._user_words and _CJK.search(word):
                self._add(word)
                self._user_words.add(word)

    def tokens(self, text: str) -> list[str]:
        """Normalised tokens of ``text`` (see the module docstring)."""
        if not text:
            return []
        return normalise_tokens(self._cut(text))

    def word_flag(self, word: str) -> str | None:
        """jieba's part-of-speech tag of ``word`` when jieba keeps it as one word, else None
        (it is a fragment of other words, or several words)."""
        tagged = self._tag(word)
        if len(tagged) != 1:
            return None
        return tagged[0][1]

    def analyse(self, text: str) -> tuple[list[str], list[str]]:
        """Tokens of ``text`` and the person names among them (jieba's ``nr`` tag), from one
        pass of the segmenter (the tagger segments exactly as ``tokens`` does)."""
        if not text:
            return [], []
        tagged = self._tag(text)
        persons = [w for w, flag in tagged if flag == "nr" and len(w) >= 2]
        return normalise_tokens(w for w, _ in tagged), persons


def normalise_tokens(raw_tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tok in raw_tokens:
        tok = unicodedata.normalize("NFKC", tok).casefold().strip()
        if not tok or not _HAS_WORD_CHAR.search(tok) or tok == "_":
            continue
        if tok.isascii():
            out.extend(_ASCII_RUN.findall(tok))
        else:
            out.append(tok)
    return out


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words that carry no topic (data/stopwords.txt)."""
    try:
        text = resources.files("hotspot.data").joinpath("stopwords.txt").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return frozenset()
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and w[0] != "#")


_NUMERAL_START = re.compile(r"[0-9一二三四五六七八九十百千万亿两几半]")
_MEASURE_EDGE = set("元起块个只件次岁年月日号天周倍款辆套份")
# jieba tags of words that are not names of things: verbs, adjectives, adverbs, numerals,
# measure words, time words, pronouns, function words, directions, onomatopoeia
_NOT_A_NAME = {"v", "vd", "vg", "vi", "vq", "a", "ad", "ag", "d", "dg", "m", "mq", "q"}
_NOT_A_NAME |= {"t", "tg", "r", "rr", "rz", "p", "c", "u", "uj", "ul", "f", "y", "e", "o"}


def learnable(word: str, flag: str | None) -> bool:
    """Whether ``word`` (with jieba's tag of it, None when jieba does not keep it whole) may
    become a learned term: a whole word, not starting with a numeral (一金, 五险, 3亿), no measure word
    at either edge (元起, 万台), and not a verb, adjective or function word (接入, 折叠, 维权)."""
    if flag is None or len(word) < 2 or (word.isascii() and len(word) < 3):
        return False
    if _NUMERAL_START.match(word) or word[0] in _MEASURE_EDGE or word[-1] in _MEASURE_EDGE:
        return False
    return flag not in _NOT_A_NAME


def content_keywords(tokens: Iterable[str]) -> list[str]:
    """The distinctive words of a title: no stop words, no numbers, no lone characters.

    Order is kept and duplicates removed. Used for event grouping, learned expansions and
    ``hotspots list`` display.
    """
    stop = stopwords()
    seen: set[str] = set()
    out = []
    for tok in tokens:
        if tok in seen or tok in stop or len(tok) < 2 or tok.replace(".", "").isdigit():
            continue
        seen.add(tok)
        out.append(tok)
    return out
