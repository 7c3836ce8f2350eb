"""The ``hotspot`` command: the only code that parses argv, prints, and sets up logging.

Read-only commands (alerts, hotspots, events, trends, sources status, db stats) import
neither jieba nor the source plugins, so they start fast and can run while the daemon
writes. Errors are one line on stderr (exit 2 for configuration and usage errors, 1 for
others), never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import click

from hotspot import __version__
from hotspot.config import Config, default_config_path, load_config
from hotspot.errors import ConfigError, HotspotError

log = logging.getLogger("hotspot")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(verbose: bool, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "jieba", "mail.log", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class Context:
    """What every command shares: the config path, loaded lazily."""

    def __init__(self, config_path: Path, verbose: bool):
        self.config_path = config_path
        self.verbose = verbose
        self._config: Config | None = None

    def config(self, *, check_plugins: bool = False) -> Config:
        if self._config is None or check_plugins:
            plugins = None
            if check_plugins:
                from hotspot.ingest.registry import load_plugins

                pre = load_config(self.config_path, None)
                plugins = load_plugins(pre.plugins)
            self._config = load_config(self.config_path, plugins)
            setup_logging(self.verbose, self._config.log_format)
        return self._config

    def plugins(self):
        from hotspot.ingest.registry import load_plugins

        return load_plugins(self.config().plugins)

    def store(self):
        from hotspot.storage.store import Store

        return Store(self.config().database)


class HotspotGroup(click.Group):
    """Turns every HotspotError into one line on stderr instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            for line in exc.problems:
                click.echo(f"error: {line}", err=True)
            sys.exit(2)
        except HotspotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)


@click.group(cls=HotspotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file (default: ./hotspot.toml or $HOTSPOT_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.version_option(__version__, prog_name="hotspot")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """hotspot: watch hot lists and news feeds, alert accounts about topics that fit them."""
    setup_logging(verbose)
    ctx.obj = Context(config_path or default_config_path(), verbose)


def main() -> None:
    cli(prog_name="hotspot")


def parse_since(value: str | None) -> int | None:
    """``--since 24h`` -> a Unix time; raises click.BadParameter on a bad duration."""
    if not value:
        return None
    from hotspot.durations import parse_duration

    try:
        return int(time.time() - parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None


from hotspot.cli import (  # noqa: E402,F401
    backtest_commands,
    digest_commands,
    feedback_commands,
    pipeline_commands,
    read_commands,
    setup_commands,
    theme_commands,
)

__all__ = ["Context", "cli", "main", "parse_since"]
