"""``python -m hotspot``: the same as the ``hotspot`` command.

Run from a checkout that was never installed, ``hotspot.data`` and ``hotspot.sources`` (the
repository's ``data/`` and ``sources/`` folders, mapped into the package at install time)
cannot be found; say how to fix that instead of printing a traceback.
"""

import sys


def _run() -> None:
    try:
        import hotspot.data
        import hotspot.sources  # noqa: F401
    except ModuleNotFoundError as exc:
        if (exc.name or "").startswith(("hotspot.data", "hotspot.sources")):
            sys.exit(
                "error: hotspot is not installed in this Python environment; run "
                "'pip install -e .' in the repository first"
            )
        raise
    from hotspot.cli import main

    main()


if __name__ == "__main__":
    _run()
