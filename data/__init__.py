"""Runtime data shipped with hotspot (installed as ``hotspot.data``): domain lexicons and word
lists. The default database (``hotspot.db``) is created here too, and git-ignores it."""
