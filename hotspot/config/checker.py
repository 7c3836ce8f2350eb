"""The problem collector behind config parsing: typed getters that record one line per
mistake, by dotted path, instead of stopping at the first one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hotspot.durations import fold, parse_duration
from hotspot.i18n import _, _l


class Checker:
    """Collects problems by dotted path instead of stopping at the first one."""

    def __init__(self, path: Path):
        self.path = path
        self._problems: list[tuple[str, str]] = []
        self._warnings: list[tuple[str, str]] = []
        self.labels: dict[str, str] = {}

    def err(self, key: str, message: str) -> None:
        self._problems.append((key, message))

    def warn(self, key: str, message: str) -> None:
        """Not an error (the config loads), but the operator should know."""
        self._warnings.append((key, message))

    def label(self, where: str, name: str | None) -> None:
        """Name ``where`` (``accounts[0].themes[2]``) as the operator does (``美食``)."""
        if name:
            self.labels[where] = name

    def named(self, key: str) -> str:
        """``accounts[0].themes[2].keywords`` -> ``accounts[0] (foodie).themes[2] (美食).keywords``."""
        if not key:
            return _("(top level)")
        inserts = []
        for prefix, name in self.labels.items():
            if key == prefix or key.startswith((prefix + ".", prefix + "[")):
                inserts.append((len(prefix), f" ({name})"))
        for at, text in sorted(inserts, reverse=True):
            key = key[:at] + text + key[at:]
        return key

    @property
    def problems(self) -> list[str]:
        return [f"{self.path}: {self.named(k)}: {m}" for k, m in self._problems]

    @property
    def warnings(self) -> list[str]:
        return [f"{self.path}: {self.named(k)}: {m}" for k, m in self._warnings]

    def keys(self, t: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        if not isinstance(t, Mapping):
            return
        for key in t:
            if key not in allowed:
                if key == "password":
                    message = _(
                        "unknown key (put secrets in an environment variable and name it with "
                        "password_env); allowed here: {allowed}"
                    )
                else:
                    message = _("unknown key; allowed here: {allowed}")
                self.err(_join(where, key), message.format(allowed=", ".join(sorted(allowed))))

    def table(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.err(key, _("expected a table [{key}]").format(key=key))
            return {}
        return value

    def array(self, value: Any, where: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list):
            self.err(where, _("expected an array of tables [[{key}]]").format(key=where))
            return []
        good: list[Mapping[str, Any]] = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.err(f"{where}[{i}]", _("expected a table [[{key}]]").format(key=where))
        return good

    def get(
        self,
        t: Mapping[str, Any],
        where: str,
        key: str,
        typ: type,
        default: Any,
        *,
        required: bool = False,
        minimum: float | None = None,
    ) -> Any:
        if key not in t:
            if required:
                self.err(_join(where, key), _("missing; this key is required"))
            return default
        value = t[key]
        ok = isinstance(value, typ) and not (isinstance(value, bool) and typ is not bool)
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.err(
                _join(where, key),
                _("expected {expected}, got {got} {value!r}").format(
                    expected=type_name(typ), got=type_name(type(value)), value=value
                ),
            )
            return default
        if typ is str and required and not value.strip():
            self.err(_join(where, key), _("must not be empty"))
            return default
        if minimum is not None and value < minimum:
            self.err(_join(where, key), _("must be at least {minimum}").format(minimum=minimum))
            return default
        return value

    def strings(
        self, t: Mapping[str, Any], where: str, key: str, *, no_empty: bool = False
    ) -> list[str]:
        """A list of strings (a single string is a list of one). ``no_empty``: an empty string
        in it is an error (an empty keyword would match nothing, or everything)."""
        value = t.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.err(_join(where, key), _("expected a list of strings"))
            return []
        if no_empty:
            for i, v in enumerate(value):
                if not v.strip():
                    self.err(
                        f"{_join(where, key)}[{i}]",
                        _("an empty string; remove it or write the word"),
                    )
        return [v.strip() for v in value if v.strip()]

    def duration(self, t: Mapping[str, Any], where: str, key: str, default: float) -> float:
        if key not in t:
            return default
        try:
            return parse_duration(t[key])
        except ValueError as exc:
            self.err(_join(where, key), str(exc))
            return default

    def clock(self, value: Any, where: str) -> dt.time | None:
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str):
            try:
                return dt.time.fromisoformat(fold(value).strip())
            except ValueError:
                pass
        self.err(where, _('expected a time of day "HH:MM", got {value!r}').format(value=value))
        return None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return _(" or ").join(type_name(x) for x in t)
    names = {
        str: _l("a string"),
        int: _l("an integer"),
        float: _l("a number"),
        bool: _l("true or false"),
        list: _l("a list"),
        dict: _l("a table"),
    }
    return _(names[t]) if t in names else getattr(t, "__name__", str(t))
