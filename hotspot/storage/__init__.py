"""Storage: the one SQLite file and every query against it.

Owns opening, refusing and locking the database (``db``), the numbered migrations
(``schema``), every read and write the pipeline and the CLI make (``store``, with the
delivery bookkeeping in ``store_delivery``) and compaction of old observations
(``retention``).

May import: the shared modules, ``hotspot.ingest`` and ``hotspot.analysis`` (for the data
they produce). Never: delivery, the wiring modules or the CLI.
"""
