"""click's own texts follow the operator's language: every command's ``--help`` in zh-CN has
no English click boilerplate, and a wrong option or argument is one line, ``错误：…``."""

from __future__ import annotations

import gettext
import re

import click
import pytest
from click.testing import CliRunner

from hotspot import i18n
from hotspot.cli import cli, clicktext
from hotspot.cli.output import width


def walk(cmd: click.Command, path: tuple[str, ...] = ()):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from walk(sub, (*path, name))


COMMANDS = [path for path, _cmd in walk(cli)]

#: What click writes in English, with no translation: headings, usage pieces, the help
#: option's text, help extras, and type metavars.
BOILERPLATE = re.compile(
    r"Usage:|Options:|Commands:|Positional arguments|\[OPTIONS\]|COMMAND \[ARGS\]"
    r"|Show this message|Show the version|\[default|\[required|default:"
    r"|\b(TEXT|INTEGER|FLOAT|PATH|FILE|DIRECTORY|BOOLEAN|RANGE|ALERT_ID|EVENT_ID|FILES|THEME)\b"
)


@pytest.fixture
def restore_language():
    before = i18n.current()
    yield
    i18n.activate(before)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="hotspot", catch_exceptions=False)


@pytest.mark.usefixtures("restore_language")
@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "hotspot")
def test_every_help_is_chinese_in_zh_cn(path):
    result = invoke("--lang", "zh-CN", *path, "--help")
    assert result.exit_code == 0, result.output
    english = [m.group(0) for m in BOILERPLATE.finditer(result.stdout)]
    assert not english, (english, result.stdout)
    assert result.stdout.startswith("用法:") and "选项:" in result.stdout
    # laid out by display width: no line wider than click's 80 columns
    # (an option name or a value to type may be longer; none here is)
    wide = [line for line in result.stdout.splitlines() if width(line) > 80]
    assert not wide, wide


@pytest.mark.usefixtures("restore_language")
def test_the_same_help_in_english_is_clicks_own():
    result = invoke("--lang", "en", "alerts", "list", "--help")
    assert result.stdout.startswith("Usage: hotspot alerts list [OPTIONS]")
    assert "Options:" in result.stdout and "--limit INTEGER RANGE" in result.stdout
    assert "[default: 50; 1<=x<=1000000]" in result.stdout
    assert "Show this message and exit." in result.stdout
    zh = invoke("--lang", "zh-CN", "alerts", "list", "--help").stdout
    assert "--limit 整数范围" in zh and "[默认：50; 1<=x<=1000000]" in zh
    assert "显示此帮助并退出。" in zh


USAGE_ERRORS = [
    (("alerts", "list", "--foo"), "没有选项 '--foo'。你是不是想用 '--format'？", "No such option"),
    (("alerts", "show"), "缺少参数 '告警ID'。", "Missing argument 'ALERT_ID'."),
    (("alerts", "show", "abc"), "'abc' 不是有效的整数范围。", "'abc' is not a valid integer"),
    (("alerts", "list", "--limit", "0"), "0 不在范围 1<=x<=1000000 内。", "is not in the range"),
    (("alerts", "list", "--format", "xml"), "'--format' 的值无效：'xml' 不是", "is not one of"),
    (("nonexistent",), "没有命令 'nonexistent'。", "No such command 'nonexistent'."),
    (("alerts", "list", "--account"), "选项 '--account' 需要 1 个值。", "requires an argument"),
    (("alerts", "mark", "1", "bogus"), "'标记' 的值无效：'bogus' 不是", "for 'VERDICT': 'bogus'"),
]


@pytest.mark.usefixtures("restore_language")
@pytest.mark.parametrize("args,zh,en", USAGE_ERRORS, ids=lambda a: str(a))
def test_usage_errors_are_one_line_in_the_operators_language(args, zh, en):
    result = invoke("--lang", "zh-CN", *args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    assert zh in lines[0]
    assert not re.search(r"Usage|Error|Try|Invalid|Missing|No such", lines[0])
    assert result.stdout == ""
    result = invoke("--lang", "en", *args)
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and en in lines[0]


@pytest.mark.usefixtures("restore_language")
def test_the_one_line_names_the_help_of_the_command_that_failed():
    result = invoke("--lang", "zh-CN", "alerts", "list", "--limit", "x")
    assert result.stderr.strip() == (
        "错误：'--limit' 的值无效：'x' 不是有效的整数范围。（见 'hotspot alerts list --help'）"
    )


@pytest.mark.usefixtures("restore_language")
def test_version_follows_the_language():
    assert invoke("--lang", "zh-CN", "--version").stdout.startswith("hotspot，版本 ")
    assert invoke("--lang", "en", "--version").stdout.startswith("hotspot, version ")


def test_no_click_module_calls_the_stdlib_gettext_any_more():
    """A click upgrade that moves its texts to a new module is caught here."""
    left = []
    for mod in clicktext.click_modules():
        for name in ("_", "ngettext", "gettext"):
            fn = getattr(mod, name, None)
            if fn is not None and fn in (gettext.gettext, gettext.ngettext):
                left.append(f"{mod.__name__}.{name}")
    assert left == []


@pytest.mark.usefixtures("restore_language")
def test_type_names_and_argument_metavars_are_translated_on_read():
    i18n.activate("zh-CN")
    assert click.INT.name == "整数" and click.Path().name == "路径"
    assert click.Path(dir_okay=False).name == "文件"
    i18n.activate("en")
    assert click.INT.name == "integer" and click.Path(file_okay=False).name == "directory"
    show = cli.commands["alerts"].commands["show"]  # type: ignore[attr-defined]
    arg = next(p for p in show.params if isinstance(p, click.Argument))
    assert isinstance(arg, clicktext.HotspotArgument)
    i18n.activate("zh-CN")
    assert arg.make_metavar(click.Context(show)) == "告警ID"


def test_wrap_breaks_chinese_by_display_width_never_before_a_closing_mark():
    text = "列出告警，最新的在前（标记为无关的告警不显示，除非加 --all）。"
    for limit in range(8, 40):
        lines = clicktext.wrap(text, limit)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            assert width(line) <= limit or " " not in line.strip()
            assert line[0] not in clicktext.CLOSING
    assert clicktext.wrap("alpha beta gamma", 10) == ["alpha beta", "gamma"]
    # docstring lines joined: a space between words, none between Chinese characters
    assert clicktext.fill("中文\n继续 and\nmore", 80) == "中文继续 and more"
