"""The planning desk: what to write about and what not to touch.

Owns the marketing calendar (``calendar``), the sensitivity gate (``sensitivity``), the
linking of benchmark accounts' posts to events (``benchmarks``) and content angles
(``angles``). A stage between analysis and storage: it may import the shared modules,
config, ingest and analysis; storage, delivery, wiring and the CLI may import it.
Everything here is pure (no I/O besides reading the shipped data files, no clock).
"""
