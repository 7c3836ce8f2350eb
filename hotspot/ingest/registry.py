"""Find source plugins: the built-in ``hotspot.sources`` package (the top-level ``sources/``
folder of the repository), the ``hotspot.sources`` entry-point
group, and ``module:Class`` import strings listed in the config (``[hotspot] plugins``).

Each module of ``sources/`` exposes its plugins explicitly as ``SOURCES = [Class, ...]``;
nothing registers itself at import time. Two plugins with one ``type`` stop start-up.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from collections.abc import Iterable

from hotspot.errors import PluginError
from hotspot.i18n import _
from hotspot.ingest.source import Source

ENTRY_POINT_GROUP = "hotspot.sources"


def builtin_plugins() -> list[type[Source]]:
    """Every plugin listed in a module of the built-in plugin folder (the repository's
    top-level ``sources/``, installed as ``hotspot.sources``)."""
    import hotspot.sources as sources

    found: list[type[Source]] = []
    for info in sorted(pkgutil.iter_modules(sources.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"hotspot.sources.{info.name}")
        found.extend(_as_list(getattr(module, "SOURCES", []), f"hotspot.sources.{info.name}"))
    return found


def entry_point_plugins() -> list[type[Source]]:
    found: list[type[Source]] = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as exc:  # a third-party package failing to import
            raise PluginError(
                _(
                    "plugin entry point {ep!r} ({target}) failed to load: {exc}; fix or uninstall "
                    "that package"
                ).format(ep=ep.name, target=ep.value, exc=exc)
            ) from exc
        found.extend(_as_list(obj, f"entry point {ep.name!r}"))
    return found


def import_string_plugin(spec: str) -> list[type[Source]]:
    module_name, _sep, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        obj = getattr(module, attr) if attr else module.SOURCES
    except (ImportError, AttributeError) as exc:
        raise PluginError(
            _(
                "plugin {spec!r} cannot be imported: {exc}; use 'module:Class' with the module "
                "on the Python path"
            ).format(spec=spec, exc=exc)
        ) from exc
    return _as_list(obj, f"plugin {spec!r}")


def load_plugins(import_strings: Iterable[str] = ()) -> dict[str, type[Source]]:
    """All plugins by ``type``; a name claimed twice is a ``PluginError``."""
    plugins: dict[str, type[Source]] = {}
    origins: dict[str, str] = {}
    groups = [("built-in", builtin_plugins()), ("entry point", entry_point_plugins())]
    groups += [(spec, import_string_plugin(spec)) for spec in import_strings]
    for origin, classes in groups:
        for cls in classes:
            if cls.type in plugins and plugins[cls.type] is not cls:
                raise PluginError(
                    _(
                        "two source plugins are named {type!r}: {first} ({first_origin}) and {second} ({second_origin}); "
                        "rename or remove one"
                    ).format(
                        type=cls.type,
                        first=_qualname(plugins[cls.type]),
                        first_origin=origins[cls.type],
                        second=_qualname(cls),
                        second_origin=origin,
                    )
                )
            plugins[cls.type] = cls
            origins[cls.type] = origin
    return plugins


def _as_list(obj: object, where: str) -> list[type[Source]]:
    items = obj if isinstance(obj, (list, tuple)) else [obj]
    result = []
    for item in items:
        if not (isinstance(item, type) and issubclass(item, Source) and item.type):
            raise PluginError(
                _("{where}: {item!r} is not a Source subclass with a 'type'").format(
                    where=where, item=item
                )
            )
        result.append(item)
    return result


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
