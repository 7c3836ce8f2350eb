"""The MCP server (``hotspot mcp``): hotspot's data as Model Context Protocol tools for AI
assistants, over stdio, with the official ``mcp`` Python SDK.

Sits at the top of the stage order beside the CLI and the web workspace; reads through
``hotspot.storage.store.Store`` and shares the row shapes of ``hotspot.web.views`` (the
fields of ``--format json``). Importing this package imports nothing heavy.
"""
