"""The problem collector behind config parsing: typed getters that record one line per
mistake, by dotted path, instead of stopping at the first one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hotspot.durations import parse_duration


class Checker:
    """Collects problems by dotted path instead of stopping at the first one."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []

    def err(self, key: str, message: str) -> None:
        self.problems.append(f"{self.path}: {key or '(top level)'}: {message}")

    def keys(self, t: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        if not isinstance(t, Mapping):
            return
        for key in t:
            if key not in allowed:
                hint = (
                    (" (put secrets in an environment variable and name it with password_env)")
                    if key == "password"
                    else ""
                )
                self.err(
                    _join(where, key),
                    f"unknown key{hint}; allowed here: {', '.join(sorted(allowed))}",
                )

    def table(self, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.err(key, f"expected a table [{key}]")
            return {}
        return value

    def array(self, value: Any, where: str) -> list[Mapping[str, Any]]:
        if not isinstance(value, list):
            self.err(where, f"expected an array of tables [[{where}]]")
            return []
        good: list[Mapping[str, Any]] = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                good.append(item)
            else:
                self.err(f"{where}[{i}]", f"expected a table [[{where}]]")
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
                self.err(_join(where, key), "missing; this key is required")
            return default
        value = t[key]
        ok = isinstance(value, typ) and not (isinstance(value, bool) and typ is not bool)
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            self.err(
                _join(where, key),
                f"expected {type_name(typ)}, got {type_name(type(value))} {value!r}",
            )
            return default
        if typ is str and required and not value.strip():
            self.err(_join(where, key), "must not be empty")
            return default
        if minimum is not None and value < minimum:
            self.err(_join(where, key), f"must be at least {minimum}")
            return default
        return value

    def strings(self, t: Mapping[str, Any], where: str, key: str) -> list[str]:
        value = t.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.err(_join(where, key), "expected a list of strings")
            return []
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
                return dt.time.fromisoformat(value.strip())
            except ValueError:
                pass
        self.err(where, f'expected a time of day "HH:MM", got {value!r}')
        return None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def type_name(t: Any) -> str:
    if isinstance(t, tuple):
        return " or ".join(type_name(x) for x in t)
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a table",
    }.get(t, getattr(t, "__name__", str(t)))
