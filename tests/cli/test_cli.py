"""The `cc-tui` command in the ecosystem's manners: --version, help with defaults on
every option, usage errors in words (never a traceback), and `cc-tui config`."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cc_tui import __version__
from cc_tui.cli import _parser
from cc_tui.tui.config import save_theme
from cc_tui.tui.keys import known_binding_ids, settings_problems


def cc_tui(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cc_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_version() -> None:
    done = cc_tui("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"cc-tui {__version__}"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["server", "--smtp", "nonsense"], "--smtp takes HOST:PORT, e.g. 127.0.0.1:1025"),
        (["server", "--smtp", "relay.example:99999"], "must be a number from 1 to 65535"),
        (["server", "--smtp-user", "ops"], "need --smtp HOST:PORT"),
        (["server", "--port", "http"], "'http' is not a port"),
        (["server", "--session-idle", "0"], "not a number of minutes"),
    ],
)
def test_bad_server_options_are_usage_errors_in_words(args: list[str], said: str) -> None:
    done = cc_tui(*args)
    assert done.returncode == 2
    assert said in done.stderr
    assert "usage: cc-tui server" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_smtp_user_needs_the_password_in_the_environment() -> None:
    done = cc_tui("server", "--smtp", "127.0.0.1:2525", "--smtp-user", "ops", env={"RELAY_PW": ""})
    assert done.returncode == 2
    assert "CC_TUI_SMTP_PASSWORD" in done.stderr
    assert "never given on the command line" in done.stderr


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(action.choices.values())
    return found


def test_every_option_has_help_and_says_its_default() -> None:
    for parser in _subparsers(_parser()):
        text = parser.format_help()
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            assert action.help, f"{parser.prog} {action.option_strings} has no help"
            if action.default not in (None, False, argparse.SUPPRESS):
                shown = parser._get_formatter()._get_help_string(action) or ""
                assert "default" in shown, (
                    f"{parser.prog} {action.option_strings} does not say its default"
                )
        assert "(default: 8765)" in text or parser.prog != "cc-tui server"


def test_config_prints_the_file_and_each_setting_with_its_source(tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "config.toml").write_text('theme = "nord"\nkeymap = {"app.help" = "f9"}\n')
    done = cc_tui(
        "config",
        env={"CC_TUI_CONFIG_DIR": str(config), "CC_TUI_REQUEST_TIMEOUT": "30"},
    )
    assert done.returncode == 0, done.stderr
    assert f"Config file: {config / 'config.toml'}" in done.stdout
    lines = done.stdout.splitlines()
    assert any(line.split()[:3] == ["theme", "nord", "config.toml"] for line in lines)
    assert any(
        line.split()[:3] == ["request_timeout", "30.0", "CC_TUI_REQUEST_TIMEOUT"] for line in lines
    )
    assert any(line.split()[:3] == ["language", "(none)", "default"] for line in lines)
    assert "✗" not in done.stdout


def test_config_says_which_theme_and_key_ids_are_not_in_force(tmp_path: Path) -> None:
    """The TUI says so at start; `cc-tui config` listed the theme as "in force"."""
    (tmp_path / "config.toml").write_text('theme = "drakula"\nkeymap = {"dashbord.filter" = "f"}\n')
    done = cc_tui("config", env={"CC_TUI_CONFIG_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert "✗ Theme 'drakula' is not one of the themes: " in done.stdout
    assert "cc-tui uses its default" in done.stdout
    assert "✗ Keymap names 'dashbord.filter', which is no key id of cc-tui" in done.stdout


def test_config_says_what_is_wrong_with_a_bad_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('theme = "nord"\ncolour = "red"\n')
    done = cc_tui("config", env={"CC_TUI_CONFIG_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "The settings are not valid" in done.stdout
    assert "colour" in done.stdout


def test_a_saved_theme_changes_its_line_and_keeps_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC_TUI_CONFIG_DIR", str(tmp_path))
    original = '# my settings\nserver = "http://portal.example"\n\n[keymap]\n"app.help" = "f9"\n'
    (tmp_path / "config.toml").write_text(original)
    save_theme("nord")
    assert (tmp_path / "config.toml").read_text() == original.replace(
        "\n\n[keymap]", '\ntheme = "nord"\n\n[keymap]'
    )
    save_theme("gruvbox")
    text = (tmp_path / "config.toml").read_text()
    assert 'theme = "gruvbox"' in text and "nord" not in text
    assert text.startswith("# my settings\n") and '"app.help" = "f9"' in text


def test_unknown_key_ids_and_themes_are_said_in_words() -> None:
    known = known_binding_ids()
    assert {"app.help", "login.forgot", "app.quit"} <= known
    problems = settings_problems(
        {"app.help": "f9", "dashbord.filter": "f"}, "drakula", ["nord", "textual-dark"], known
    )
    assert problems[0].startswith("keymap names 'dashbord.filter', which is no key id")
    assert problems[1].startswith("theme 'drakula' is not one of the themes: nord, textual-dark")
    assert settings_problems({"app.help": "f9"}, "nord", ["nord"], known) == []
