"""What relearning reads of the history: the stored tokens, each word one string object for
the whole history (relearning holds all of it at once)."""

from __future__ import annotations

from pathlib import Path

from hotspot.engine import Engine
from hotspot.models import RawItem
from hotspot.storage.store import Store


def test_learning_documents_share_one_string_per_word(tmp_path: Path):
    store = Store(tmp_path / "h.db")
    engine = Engine(store, [])
    titles = ["网红奶茶店排队三小时", "奶茶新品上市引发抢购", "奶茶价格战打响"]
    engine.ingest("weibo", "weibo", [RawItem(title=t, url=None) for t in titles])
    docs = list(store.iter_learning_documents())
    assert sorted(" ".join(d[0]) for d in docs) == sorted(
        " ".join(engine.segmenter.tokens(t)) for t in titles
    )
    words = [w for tokens, *_ in docs for w in tokens if w == "奶茶"]
    assert len(words) == 3
    assert len({id(w) for w in words}) == 1
    store.close()
