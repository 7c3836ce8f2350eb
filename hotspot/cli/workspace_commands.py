"""``hotspot web`` (the operator's workspace in a browser) and ``hotspot mcp`` (the same
data for AI assistants over the Model Context Protocol, stdio).

Both read through ``Store`` and start without jieba; only the MCP ``explain_title`` tool
loads the matching engine, on first use.
"""

from __future__ import annotations

import click

from hotspot.cli import Context, cli
from hotspot.i18n import _, _l


@cli.command()
@click.option(
    "--listen",
    default=None,
    help=_l(
        "HOST:PORT to serve on (default: [web] listen, else 127.0.0.1:8765). Any address "
        "other than loopback needs [web] password_env."
    ),
)
@click.pass_obj
def web(obj: Context, listen: str | None) -> None:
    """Serve the workspace: today per account, event curves, rising, search, sources."""
    from hotspot.web.server import prepare

    server, host, port = prepare(obj.config(), listen)
    click.echo(
        _("workspace on http://{host}:{port}/ (Ctrl-C stops it)").format(host=host, port=port),
        err=True,
    )
    server.run()


@cli.command()
@click.pass_obj
def mcp(obj: Context) -> None:
    """Run the MCP server on stdin/stdout for a desktop AI assistant."""
    from hotspot.mcp.server import build_server

    build_server(obj.config_path, obj.config()).run("stdio")
