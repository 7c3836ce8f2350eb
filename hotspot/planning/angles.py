"""Content angles (九宫格): where the account's audience and pillars meet the story. Pure.

For one alert, up to nine entry points, each saying where it came from:

* ``受众``: a salient term of the story × an audience facet ("哪吒2 × 学生党");
* ``内容支柱``: a salient term × one of the account's pillars ("哪吒2 × 平价");
* ``领域模板``: a salient term × an angle template of a vertical the alert's theme is linked
  to (``data/angles.toml``: 美食 → 平替, 在家复刻, 热量对比, 探店打卡 ...);
* ``节点``: a salient term × an angle of a calendar node inside the lead time
  ("哪吒2 × 母亲节·礼品").

Salient terms are the event's lead term (what the story is about), then the alert's
matched terms (why it fits the theme), minus terms contained in a longer one already taken.
Each cell carries a working title built from a fixed phrase per kind ("学生党眼中的哪吒").
No language model: the cells are combinations the operator then writes; the README says
which kinds tend to be usable.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from hotspot.errors import ConfigError
from hotspot.i18n import _

MAX_ANGLES = 9
MAX_TERMS = 2
GENERIC = frozenset({"回应", "网友", "视频", "最新", "官方", "曝光", "热议", "现场", "中国"})
# where a story happens is rarely its angle: places go after the other terms
PLACES = frozenset(
    [
        "北京",
        "上海",
        "天津",
        "重庆",
        "河北",
        "山西",
        "辽宁",
        "吉林",
        "黑龙江",
        "江苏",
        "浙江",
        "安徽",
        "福建",
        "江西",
        "山东",
        "河南",
        "湖北",
        "湖南",
        "广东",
        "海南",
        "四川",
        "贵州",
        "云南",
        "陕西",
        "甘肃",
        "青海",
        "台湾",
        "内蒙古",
        "广西",
        "西藏",
        "宁夏",
        "新疆",
        "香港",
        "澳门",
        "深圳",
        "广州",
        "杭州",
        "成都",
        "武汉",
        "南京",
        "西安",
        "苏州",
        "长沙",
        "郑州",
        "青岛",
        "厦门",
        "哈尔滨",
        "沈阳",
        "大连",
        "济南",
        "昆明",
        "全国",
        "多地",
    ]
)
LEADING_NOISE = ("曝", "被", "竟")


@dataclass(frozen=True, slots=True)
class Angle:
    term: str
    facet: str
    source: str  # 受众 | 内容支柱 | 领域模板:<vertical> | 节点:<node>

    @property
    def text(self) -> str:
        return f"{self.term} × {self.facet} → {self.hint}"

    @property
    def hint(self) -> str:
        """A working title for the cell: a fixed phrase per kind, nothing generated."""
        if self.source == "受众":
            return f"{self.facet}眼中的{self.term}"
        if self.source == "内容支柱":
            return f"从{self.term}聊到{self.facet}"
        if self.source.startswith("节点:"):
            node, _, angle = self.facet.partition("·")
            return f"{node}借势{self.term}：{angle}"
        return f"{self.term}的{self.facet}"

    def as_dict(self) -> dict:
        return {
            "angle": self.text,
            "term": self.term,
            "facet": self.facet,
            "hint": self.hint,
            "from": self.source,
        }


def load_templates() -> dict[str, tuple[str, ...]]:
    """vertical id -> angle templates, from ``data/angles.toml``."""
    try:
        text = resources.files("hotspot.data").joinpath("angles.toml").read_text("utf-8")
        raw = tomllib.loads(text).get("verticals", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            _("hotspot.data/angles.toml: cannot read the angle templates: {exc}").format(exc=exc)
        ) from exc
    return {k: tuple(v) for k, v in raw.items()}


def salient_terms(
    event_terms: Iterable[str],
    matched: Iterable[str],
    limit: int = MAX_TERMS,
    title: str = "",
) -> list[str]:
    """The story's lead term (the event's first keyword), then the theme's reason (the
    first matched term), then more of the story."""
    event_terms = sorted(event_terms, key=lambda t: t in PLACES)  # stable: places last
    matched = list(matched)
    out: list[str] = []
    for term in [*event_terms[:1], *matched, *event_terms[1:]]:
        term = term.strip()
        if len(term) > 2 and term.startswith(LEADING_NOISE):  # "曝微信" -> "微信"
            term = term[1:]
        if title:  # the title's own spelling; its "哪吒2" / "美队4" is the work, not "哪吒"
            m = re.search(re.escape(term) + r"(\s?\d+)?", title, re.IGNORECASE)
            if m:
                term = m.group(0).replace(" ", "")
        if len(term) < 2 or term in GENERIC or term.isdigit():
            continue
        if any(term in t or t in term for t in out):
            continue
        out.append(term)
        if len(out) == limit:
            break
    return out


def propose(
    terms: Sequence[str],
    *,
    audience: Sequence[str] = (),
    pillars: Sequence[str] = (),
    verticals: Sequence[str] = (),
    templates: Mapping[str, Sequence[str]] | None = None,
    nodes: Sequence[tuple[str, Sequence[str]]] = (),
    limit: int = MAX_ANGLES,
) -> list[Angle]:
    """The entry points, interleaved by kind so a short list still shows every kind."""
    if not terms:
        return []
    lead, second = terms[0], terms[-1]
    kinds: list[list[Angle]] = [
        [Angle(lead, a, "受众") for a in audience]
        + [Angle(second, a, "受众") for a in audience if second != lead],
        [Angle(lead, p, "内容支柱") for p in pillars],
        [Angle(lead, t, f"领域模板:{v}") for v in verticals for t in (templates or {}).get(v, ())],
        [  # every node's first angle, then every node's second, ...
            Angle(lead, f"{name}·{angles[i]}", f"节点:{name}")
            for i in range(max((len(a) for _, a in nodes), default=0))
            for name, angles in nodes
            if i < len(angles)
        ],
    ]
    out: list[Angle] = []
    seen: set[tuple[str, str]] = set()
    while len(out) < limit and any(kinds):
        for k in kinds:
            while k:
                a = k.pop(0)
                if (a.term, a.facet) not in seen:
                    seen.add((a.term, a.facet))
                    out.append(a)
                    break
            if len(out) == limit:
                break
    return out
