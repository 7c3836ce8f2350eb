"""Delivery: what reaches people. Digests by mail and instant pushes to chat.

Owns building and rendering digests (``digest``, pure, with ``templates/``), sending mail
(``mailer``), formatting chat pushes (``notifiers``, pure), posting them (``pusher``) and the
scheduled jobs that decide what is due and record it exactly once (``jobs``).

May import: the shared modules, ``hotspot.analysis`` (trend labels) and ``hotspot.storage``.
Never: ingest internals, the wiring modules (``engine``, ``poller``, ``daemon``) or the CLI.
"""
