"""The ``[web]`` section: defaults, a good value, and each mistake as a dotted-key line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotspot.config import load_config
from hotspot.errors import ConfigError


def write(tmp_path: Path, web: str) -> Path:
    path = tmp_path / "hotspot.toml"
    path.write_text('[hotspot]\ndatabase = "x.db"\n' + web, encoding="utf-8")
    return path


def test_web_defaults_and_values(tmp_path):
    assert load_config(write(tmp_path, "")).web.listen is None
    web = load_config(
        write(
            tmp_path, '[web]\nlisten = "0.0.0.0:9000"\npassword_env = "TEAM_PW"\nrefresh = "2m"\n'
        )
    ).web
    assert (web.listen, web.password_env, web.refresh) == ("0.0.0.0:9000", "TEAM_PW", 120.0)


def test_web_mistakes_are_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, '[web]\nlisten = "localhost"\npassword = "x"\n'))
    text = "\n".join(err.value.problems)
    assert "web.listen" in text and "HOST:PORT" in text
    assert "web.password" in text
