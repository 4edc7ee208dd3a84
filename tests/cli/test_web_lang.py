"""`cc-tui web --lang`: every browser tab's cc-tui is started speaking the language asked
for, as `cc-tui --lang` does in a terminal (issue 15, point 4)."""

from __future__ import annotations

import shlex

import pytest

from cc_tui import cli
from cc_tui.domain.i18n import parse_language
from cc_tui.server.runner import free_port
from cc_tui.tui import web
from tests.cli.test_cli import cc_tui

SERVER = ["--server", "http://127.0.0.1:9"]


def tab_command(monkeypatch: pytest.MonkeyPatch, before: list[str], after: list[str]) -> list[str]:
    """The command `cc-tui BEFORE web AFTER` starts for each tab (textual-serve not run)."""
    started: list[str] = []

    def serve(self: web.BrowserServer, debug: bool = False) -> None:
        started.append(self.command)

    monkeypatch.setattr(web.BrowserServer, "serve", serve)
    with pytest.raises(SystemExit) as done:
        cli.main([*before, "web", *after, "--port", str(free_port())])
    assert done.value.code == 0
    [command] = started
    return shlex.split(command)


@pytest.mark.parametrize(
    ("before", "after"),
    [([], [*SERVER, "--lang", "zh-Hant"]), (["--lang", "zh-Hant"], SERVER)],
)
def test_each_tab_speaks_the_language_asked_for(
    monkeypatch: pytest.MonkeyPatch, before: list[str], after: list[str]
) -> None:
    command = tab_command(monkeypatch, before, after)
    assert command[command.index("--lang") + 1] == "zh-Hant"
    assert command[command.index("--server") + 1] == "http://127.0.0.1:9"
    assert "--in-browser" in command


def test_without_lang_each_tab_chooses_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "--lang" not in tab_command(monkeypatch, [], SERVER)


def test_a_hostile_lang_stays_one_argument_and_means_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hostile = "zh-Hant; touch /tmp/owned $(id)"
    command = tab_command(monkeypatch, [], [*SERVER, "--lang", hostile])
    assert command[command.index("--lang") + 1] == hostile
    assert parse_language(hostile) == "en"


def test_web_help_names_lang() -> None:
    done = cc_tui("web", "--help", env={"COLUMNS": "200"})
    assert "--lang LANG the language of every tab" in " ".join(done.stdout.split())
