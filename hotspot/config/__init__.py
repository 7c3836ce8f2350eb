"""Configuration: ``hotspot.toml`` parsed once into frozen, typed objects (shared by every stage).

    model      the dataclasses (Config, SourceConfig, AccountConfig, ThemeConfig, ...)
    loader     load_config / parse_config / load_themes_file: the file -> Config, all errors at once
    sections   one parser per section ([http], [[sources]], [[accounts]], [smtp], [[notifiers]])
    checker    the problem collector: typed getters, one line per mistake by dotted path

May import: ``hotspot.errors``, ``hotspot.durations`` and nothing else of hotspot.
"""

from hotspot.config.loader import default_config_path, load_config, load_themes_file, parse_config
from hotspot.config.model import (
    DEFAULT_CONFIG_NAME,
    DEFAULT_USER_AGENT,
    NOTIFIER_TYPES,
    AccountConfig,
    BenchmarkConfig,
    CalendarNodeConfig,
    Config,
    HttpSettings,
    NotifierConfig,
    SmtpConfig,
    SourceConfig,
    ThemeConfig,
    WebConfig,
)
from hotspot.config.sections import parse_theme

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_USER_AGENT",
    "NOTIFIER_TYPES",
    "AccountConfig",
    "BenchmarkConfig",
    "CalendarNodeConfig",
    "Config",
    "HttpSettings",
    "NotifierConfig",
    "SmtpConfig",
    "SourceConfig",
    "ThemeConfig",
    "WebConfig",
    "default_config_path",
    "load_config",
    "load_themes_file",
    "parse_config",
    "parse_theme",
]
