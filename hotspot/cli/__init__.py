"""The ``hotspot`` command: the only code that parses argv, prints, and sets up logging.

Read-only commands (alerts, hotspots, events, trends, sources status, db stats) import
neither jieba nor the source plugins, so they start fast and can run while the daemon
writes. Errors are one line on stderr (exit 2 for configuration and usage errors, 1 for
others), never a traceback.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from hotspot import __version__, i18n, safetext
from hotspot.cli import clicktext
from hotspot.config import Config, default_config_path, load_config
from hotspot.errors import ConfigError, HotspotError
from hotspot.i18n import _, _l

clicktext.install()

log = logging.getLogger("hotspot")

#: Bounds of numeric arguments, so a huge number is a one-line usage error, not an SQLite
#: overflow traceback.
MAX_LIMIT = 1_000_000
ROW_ID = click.IntRange(1, 2**63 - 1)


class LocalFormatter(logging.Formatter):
    """Log times in the configured timezone with its offset (``2026-12-04 00:23:05+08:00``),
    the same clock every table shows; the machine's own timezone does not matter."""

    def __init__(self, fmt: str | None = None, tz: ZoneInfo | None = None):
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        when = datetime.fromtimestamp(record.created, self.tz or ZoneInfo("Asia/Shanghai"))
        return when.isoformat(sep="T" if datefmt == "iso" else " ", timespec="seconds")

    # Log lines without control or bidi characters: messages quote remote text (titles,
    # server error texts), and an ESC in them must not act on the operator's terminal.
    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = safetext.lines(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return safetext.lines(super().formatException(ei))


class JsonFormatter(LocalFormatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "iso"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": safetext.lines(record.getMessage()),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    verbose: bool, fmt: str = "text", tz: ZoneInfo | None = None, quiet: bool = False
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(tz=tz))
    else:
        handler.setFormatter(
            LocalFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", tz=tz)
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    for noisy in ("httpx", "httpcore", "jieba", "mail.log", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class Context:
    """What every command shares: the config path, loaded lazily."""

    def __init__(self, config_path: Path, verbose: bool, quiet: bool = False):
        self.config_path = config_path
        self.verbose = verbose
        self.quiet = quiet
        self._config: Config | None = None

    def config(self, *, check_plugins: bool = False) -> Config:
        if self._config is None or check_plugins:
            plugins = None
            if check_plugins:
                from hotspot.config.loader import plugin_modules
                from hotspot.ingest.registry import load_plugins

                plugins = load_plugins(plugin_modules(self.config_path))
            self._config = load_config(self.config_path, plugins)
            setup_logging(self.verbose, self._config.log_format, self._config.tz, self.quiet)
        return self._config

    def plugins(self):
        from hotspot.ingest.registry import load_plugins

        return load_plugins(self.config().plugins)

    def store(self):
        """The database for a read command: opened read-only, never created. Before the
        first poll there is none: the command then reads an empty in-memory one (and says so
        on stderr), so it shows its empty result without creating a file or folder."""
        from hotspot.storage.store import Store

        path = self.config().database
        if not path.exists():
            click.echo(
                _("note: no database at {path} yet (nothing polled so far)").format(path=path),
                err=True,
            )
            return Store(":memory:")
        return Store(path, readonly=True)

    def write_store(self):
        """The database for a short write without the writer lock (``alerts mark``): SQLite's
        own locking serialises it with the daemon. Never creates a database."""
        from hotspot.storage.store import Store

        path = self.config().database
        if not path.exists():
            raise HotspotError(
                _("no database at {path} yet: run `hotspot poll` or `hotspot run` first").format(
                    path=path
                )
            )
        return Store(path)


def error_line(message: object) -> str:
    """The one error style: ``错误：…`` / ``error: …``."""
    return _("error: {message}").format(message=message)


def usage_error_line(exc: click.UsageError) -> str:
    """A wrong option or argument as one line: what is wrong and where the help is."""
    message = clicktext.tidy(safetext.lines(exc.format_message()))
    if exc.ctx is not None:
        message = _("{message} (see '{command} --help')").format(
            message=message, command=exc.ctx.command_path
        )
    return error_line(message)


@contextmanager
def _translated(*objects: Any):
    """Show click help (stored as English msgids) in the active language while rendering."""
    saved = [(o, o.help, getattr(o, "short_help", None)) for o in objects]
    try:
        for o, help_, short in saved:
            o.help = i18n.help_text(help_)
            if short:
                o.short_help = i18n.help_text(short)
        yield
    finally:
        for o, help_, short in saved:
            o.help = help_
            if short:
                o.short_help = short


class TranslatedHelp:
    """Mixin for click commands and groups: help texts and option help translated when shown,
    so ``--lang`` (parsed after the texts were defined) applies; click's own texts, metavars
    and layout are :mod:`hotspot.cli.clicktext`'s."""

    help: str | None
    context_class: type[click.Context] = clicktext.HotspotContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for p in self.params:  # type: ignore[attr-defined]
            if type(p) is click.Argument:  # metavars in the active language
                p.__class__ = clicktext.HotspotArgument

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        # click caches the option with its help translated at creation: keep the msgid, so
        # it is translated when shown like every other help text
        opt: click.Option | None = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None and not getattr(opt, "hotspot_msgid", False):
            opt.help = "Show this message and exit."
            setattr(opt, "hotspot_msgid", True)  # noqa: B010 (mypy: not a click attribute)
        return opt

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [_(p) for p in super().collect_usage_pieces(ctx)]  # type: ignore[misc]

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self):
            super().format_help_text(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help, cut to ``limit`` display columns."""
        short = getattr(self, "short_help", None)
        text = i18n.help_text(short or self.help) or ""
        text = text.split("\f")[0].strip().split("\n\n")[0]
        text = clicktext.first_sentence(" ".join(text.split()))
        return clicktext.shorten(text, limit)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = [p for p in self.get_params(ctx) if getattr(p, "help", None)]  # type: ignore[attr-defined]
        with _translated(*params):
            super().format_options(ctx, formatter)  # type: ignore[misc]


QUIET_HELP = _l("For scripts: no summaries or confirmations, only warnings, errors and data.")


def _quiet_option(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``-q`` after the command name (``hotspot poll -q``) works like ``hotspot -q poll``."""
    obj = ctx.find_object(Context)
    if value and obj is not None and not obj.quiet:
        obj.quiet = True
        loaded = obj._config
        setup_logging(
            obj.verbose,
            loaded.log_format if loaded else "text",
            loaded.tz if loaded else None,
            quiet=True,
        )


class HotspotCommand(TranslatedHelp, click.Command):
    """Every command also takes ``-q/--quiet`` itself, so scripts may put it where they like."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not any(p.name == "quiet" for p in self.params):
            self.params.append(
                click.Option(
                    ["-q", "--quiet"],
                    is_flag=True,
                    expose_value=False,
                    callback=_quiet_option,
                    help=QUIET_HELP,
                )
            )


class HotspotGroup(TranslatedHelp, click.Group):
    """Turns every HotspotError, and every usage error click raises while parsing, into one
    line on stderr instead of a traceback or click's usage block."""

    command_class = HotspotCommand
    group_class = type

    def main(
        self,
        args: Any = None,
        prog_name: Any = None,
        complete_var: Any = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            click.echo(usage_error_line(exc), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(error_line(exc.format_message()), err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(_("interrupted"), err=True)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            for line in exc.problems:
                click.echo(error_line(line), err=True)
            sys.exit(2)
        except HotspotError as exc:
            click.echo(error_line(safetext.lines(str(exc))), err=True)
            sys.exit(1)
        except click.ClickException as exc:
            if type(exc) is click.ClickException:
                click.echo(error_line(exc.format_message()), err=True)
                sys.exit(exc.exit_code)
            raise
        except sqlite3.DatabaseError as exc:  # a read hit a damaged, full or locked file
            from hotspot.storage.db import storage_error

            obj = ctx.obj
            loaded = getattr(obj, "_config", None)
            where = loaded.database if loaded is not None else "(the configured database)"
            click.echo(error_line(str(storage_error(where, exc))), err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo(_("interrupted"), err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)


def _lang_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        i18n.activate(value)
    return value


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_("%(prog)s, version %(version)s") % {"prog": "hotspot", "version": __version__})
        ctx.exit()


@click.group(cls=HotspotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help=_l("Config file (default: ./hotspot.toml or $HOTSPOT_CONFIG)."),
)
@click.option(
    "--lang",
    type=click.Choice(["zh-CN", "en"], case_sensitive=False),
    default=None,
    is_eager=True,
    expose_value=True,
    callback=_lang_option,
    help=_l(
        "Language: zh-CN (default) or en. Else [hotspot] language in the config, else LC_ALL/LANG."
    ),
)
@click.option("-v", "--verbose", is_flag=True, help=_l("Debug logging."))
@click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_version,
    help=_l("Show the version and exit."),
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, lang: str | None, verbose: bool, quiet: bool
) -> None:
    """hotspot: watch hot lists and news feeds, alert accounts about topics that fit them."""
    path = config_path or default_config_path()
    i18n.activate(i18n.resolve(lang, i18n.config_language(path)))
    setup_logging(verbose, quiet=quiet)
    ctx.obj = Context(path, verbose, quiet)


def say(message: str) -> None:
    """A summary or confirmation line (not data): silent under ``--quiet``."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Context) if ctx else None
    if not (obj and obj.quiet):
        click.echo(message)


def main() -> None:
    i18n.activate(i18n.resolve(None, i18n.config_language(default_config_path())))
    cli(prog_name="hotspot")


def parse_since(value: str | None) -> int | None:
    """``--since 24h`` -> a Unix time; raises click.BadParameter on a bad duration."""
    if not value:
        return None
    from hotspot.durations import parse_duration

    try:
        return int(time.time() - parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(_(str(exc)), param_hint="'--since'") from None


from hotspot.cli import (  # noqa: E402,F401
    backtest_commands,
    delivery_commands,
    digest_commands,
    feedback_commands,
    pipeline_commands,
    planning_commands,
    read_commands,
    setup_commands,
    theme_commands,
    workspace_commands,
)

__all__ = ["Context", "cli", "main", "parse_since", "say"]
