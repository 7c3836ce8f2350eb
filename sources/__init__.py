"""Built-in source plugins, one module per platform. Each module lists its plugins in
``SOURCES``; see ``hotspot.ingest.source`` for the contract."""
