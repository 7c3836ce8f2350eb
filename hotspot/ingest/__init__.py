"""Ingest: everything between a platform and a normalised ``Hotspot``.

Owns the source contract (``source``), plugin discovery (``registry``), the one bounded HTTP
client (``http``), the per-source backoff and health decisions (``health``), turning a
``RawItem`` into a ``Hotspot`` (``normalize``) and reading archived history files
(``history``). The built-in plugins themselves live in the repository's top-level
``sources/`` folder, installed as ``hotspot.sources``.

May import: the shared modules (``hotspot.config``, ``errors``, ``models``, ``durations``,
``numbers``). Never: analysis, storage, delivery, the wiring modules or the CLI.
"""
