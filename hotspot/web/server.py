"""Run the workspace with uvicorn: in the foreground (``hotspot web``) or in a thread of the
daemon (``hotspot run`` with ``[web] listen``).

``prepare`` checks the bind (``security.check_bind``) and migrates the database once, so a
refused bind or a foreign database fails before anything listens; requests then open read
connections without migrating.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from hotspot.config import Config
from hotspot.storage.store import Store
from hotspot.web.security import check_bind, split_listen

log = logging.getLogger("hotspot.web")
DEFAULT_LISTEN = "127.0.0.1:8765"


def prepare(config: Config, listen: str | None, environ: Mapping[str, str] = os.environ):
    """(uvicorn.Server, host, port), not started. Raises ``ConfigError`` for a refused bind."""
    import uvicorn

    from hotspot.web.app import create_app

    host, port = split_listen(listen or config.web.listen or DEFAULT_LISTEN)
    password = check_bind(host, config.web.password_env, environ)
    Store(config.database).close()  # migrate (or refuse a foreign database) before listening
    app = create_app(config, password=password)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            server_header=False,
            lifespan="off",
        )
    )
    return server, host, port


def serve_in_thread(config: Config) -> tuple[threading.Thread, object]:
    """Start the workspace beside the daemon; returns (thread, server). Set
    ``server.should_exit = True`` to stop it."""
    server, host, port = prepare(config, config.web.listen)
    thread = threading.Thread(target=server.run, name="hotspot-web", daemon=True)
    thread.start()
    log.info("workspace on http://%s:%s/", host, port)
    return thread, server
