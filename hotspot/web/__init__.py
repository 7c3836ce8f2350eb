"""The operator's workspace: a local web view (Starlette + Jinja2, server-rendered SVG charts).

Owns the pages (today per account, event with its rank/heat curves, rising now, search,
sources, CSV export), the feedback form handler, the login and CSRF guard and the security
headers. It sits at the top of the stage order beside the CLI: it may import every lower stage,
reads through ``hotspot.storage.store.Store`` and never imports jieba. Importing this package
imports nothing heavy: ``hotspot.web.app`` pulls Starlette in.
"""
