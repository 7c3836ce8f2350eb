"""Setup and maintenance commands: init, config check, plugins / sources list, db vacuum,
doctor."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hotspot import i18n
from hotspot.cli import Context, cli, say
from hotspot.i18n import _, _l
from hotspot.safetext import one_line


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--force", is_flag=True, help=_l("Overwrite an existing hotspot.toml."))
@click.option(
    "--lang",
    type=click.Choice(["zh-CN", "en"], case_sensitive=False),
    default=None,
    help=_l("Language of the starter's comments and its [hotspot] language (default: zh-CN)."),
)
def init(directory: Path, force: bool, lang: str | None) -> None:
    """Write a commented starter hotspot.toml into DIRECTORY."""
    from importlib import resources

    if lang:
        i18n.activate(lang)
    target = directory / "hotspot.toml"
    if target.exists() and not force:
        raise click.ClickException(
            _("{path} exists; pass --force to overwrite it").format(path=target)
        )
    name = "starter.en.toml" if i18n.current() == "en" else "starter.toml"
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(
        resources.files("hotspot.data").joinpath(name).read_text("utf-8"),
        encoding="utf-8",
    )
    say(
        _("wrote {path}; edit the accounts and themes, then run 'hotspot config check'").format(
            path=target
        )
    )


@cli.group("config")
def config_group() -> None:
    """Configuration."""


@config_group.command("check")
@click.pass_obj
def config_check(obj: Context) -> None:
    """Validate the config without running anything."""
    config = obj.config(check_plugins=True)
    themes = sum(len(a.themes) for a in config.accounts)
    from hotspot.durations import format_duration
    from hotspot.ingest.politeness import schedules
    from hotspot.ingest.registry import load_plugins

    warnings = list(config.warnings)
    for plan in schedules(config, load_plugins(config.plugins)).values():
        if plan.effective > plan.interval:
            warnings.append(
                _(
                    "{path}: sources ({name}): cannot keep its interval {interval}: "
                    "{n} sources share {host} and min_host_interval is {gap}, so it is "
                    "fetched every {effective} at most"
                ).format(
                    path=config.path,
                    name=plan.source,
                    interval=format_duration(plan.interval),
                    n=len(plan.sharing),
                    host=plan.host,
                    gap=format_duration(config.min_host_interval),
                    effective=format_duration(plan.effective),
                )
            )
    for line in warnings:
        click.echo(_("warning: {message}").format(message=line), err=True)
    say(
        _(
            "{path}: ok ({sources} sources, {accounts} accounts, {themes} themes, "
            "{notifiers} notifiers)"
        ).format(
            path=config.path,
            sources=len(config.sources),
            accounts=len(config.accounts),
            themes=themes,
            notifiers=len(config.notifiers),
        )
    )


@cli.command("plugins")
@click.pass_obj
def plugins_cmd(obj: Context) -> None:
    """List installed source plugins (same as 'sources list')."""
    _sources_list(obj)


def _sources_list(obj: Context) -> None:
    plugins = obj.plugins()
    click.echo(_("plugins:"))
    for name, cls in sorted(plugins.items()):
        doc = _(cls.__doc__.strip().splitlines()[0]) if cls.__doc__ else ""
        click.echo(f"  {name:<10} {cls.__module__}  {doc}")
    click.echo(_("configured sources:"))
    from hotspot.durations import format_duration
    from hotspot.ingest.politeness import schedules

    config = obj.config()
    plan = schedules(config, plugins)
    for s in config.sources:
        state = "" if s.enabled else _(" (disabled)")
        every = format_duration(s.interval)
        if s.name in plan and plan[s.name].effective > s.interval:
            every = _("{effective} (configured {configured}, min_host_interval)").format(
                effective=format_duration(plan[s.name].effective), configured=every
            )
        click.echo(
            f"  {s.name:<14} type={s.type:<9} "
            + _("every {interval}").format(interval=every)
            + f" {s.url or _('(default endpoints)')}{state}"
        )


from hotspot.cli.read_commands import sources as sources_group  # noqa: E402


@sources_group.command("list")
@click.pass_obj
def sources_list(obj: Context) -> None:
    """Installed plugins and configured source instances."""
    _sources_list(obj)


from hotspot.cli.read_commands import db as db_group  # noqa: E402


@db_group.command("vacuum")
@click.pass_obj
def db_vacuum(obj: Context) -> None:
    """Compact old observations (retention) and reclaim disk space. Takes the writer lock:
    refused while a daemon runs on this database (the daemon compacts every 6 h itself)."""
    import os

    from hotspot.storage.db import WriterLock
    from hotspot.storage.retention import compact
    from hotspot.storage.store import Store

    config = obj.config()
    if not config.database.exists():
        raise click.ClickException(
            _("no database at {path} yet; nothing to vacuum").format(path=config.database)
        )
    with WriterLock(config.database):
        store = Store(config.database)
        before = os.path.getsize(config.database)
        removed = compact(store, older_than_days=config.retention_days)
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.execute("VACUUM")
        after = os.path.getsize(config.database)
        store.close()
    say(
        _("removed {removed} old observations; {before} MB -> {after} MB").format(
            removed=f"{removed:,}", before=f"{before / 1e6:.1f}", after=f"{after / 1e6:.1f}"
        )
    )


@cli.command()
@click.pass_obj
def doctor(obj: Context) -> None:
    """Check config, database, every source's reachability and the SMTP login."""
    from hotspot.cli.output import pad
    from hotspot.doctor import label, run_checks

    checks = run_checks(obj.config_path)
    for c in checks:
        status, area = label(c)
        click.echo(f"{pad(status, 4)}  {pad(area, 16)} {one_line(c.detail)}")
    if any(c.status == "FAIL" for c in checks):
        sys.exit(1)
