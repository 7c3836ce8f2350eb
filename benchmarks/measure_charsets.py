"""What the shared charset decision (``hotspot.charsets``) costs per body, by path taken.

Most bodies are UTF-8 JSON or feeds and never reach the detector; a legacy feed that declares
nothing pays for charset-normalizer once per poll. Prints milliseconds per decode (median of
repeated runs) for: a UTF-8 feed, a declared GBK feed, and undeclared GB2312, Big5, EUC-KR,
Shift_JIS feeds of about 100 KB, and the whole RSS parse of the undeclared GB2312 feed.

    python benchmarks/measure_charsets.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hotspot.sources.rss import RssFeed  # noqa: E402

from hotspot.charsets import decode  # noqa: E402
from hotspot.models import Fetched  # noqa: E402

TEXT = {
    "gb2312": "不归移民漫画系列第一话出发。今天我们来聊聊移民的故事，以及作者的创作经历。",
    "big5": "不歸移民漫畫系列第一話出發。今天我們來聊聊移民的故事，以及作者的創作經歷。",
    "euc-kr": "오늘의 주요 뉴스를 전해 드립니다. 자세한 내용은 기사를 참고하세요.",
    "shift_jis": "今日の主なニュースをお伝えします。詳しくは記事をご覧ください。",
}


def feed(text: str, n: int = 400) -> str:
    items = "".join(
        f"<item><title>{text[:12]}{i}</title><link>http://x.example/{i}</link>"
        f"<description>{text}</description></item>"
        for i in range(n)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )


def ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    decode(b"\xb2\xbb" * 40)  # import the detector once, outside the timings
    utf8 = feed(TEXT["gb2312"]).encode()
    print(f"utf-8, {len(utf8) // 1024} KB: {ms(lambda: decode(utf8)):.1f} ms (no detection)")
    gbk = feed(TEXT["gb2312"]).encode("gbk")
    print(f"gbk declared in the header: {ms(lambda: decode(gbk, 'gbk')):.1f} ms")
    for codec, text in TEXT.items():
        body = feed(text).encode(codec)
        got = decode(body)
        assert got.how == "detected" and text in got.text, (codec, got.how, got.encoding)
        print(
            f"{codec} undeclared, {len(body) // 1024} KB: {ms(lambda b=body: decode(b)):.1f} ms"
            f" -> {got.encoding}"
        )
    source = RssFeed("f", url="http://x")
    fetched = Fetched(source="f", url="http://x", content=gbk)
    print(f"rss parse of the undeclared gb2312 feed: {ms(lambda: source.parse(fetched), 3):.0f} ms")


if __name__ == "__main__":
    main()
