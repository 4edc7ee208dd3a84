"""Settings at start: what config.toml names in vain is said in words, and a theme
chosen in the palette is saved there."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify

from cc_tui.tui.app import PortalApp
from cc_tui.tui.config import load_settings
from cc_tui.tui.credentials import TokenStore
from tests.tui.fake_portal import FakePortal
from tests.tui.helpers import settle


def app_with(config: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PortalApp:
    monkeypatch.setenv("CC_TUI_CONFIG_DIR", str(tmp_path))
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    return PortalApp(
        "http://127.0.0.1:8765",
        transport=FakePortal().transport,
        token_store=TokenStore(memory_only=True),
        state_dir=tmp_path / "state",
        settings_loader=load_settings,
        remember_theme=True,
    )


async def test_an_unknown_key_id_and_theme_are_reported_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_with('theme = "drakula"\n[keymap]\n"dashbord.filter" = "f"\n', tmp_path, monkeypatch)
    posted: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await settle(pilot)
        said = " ".join(m.notification.message for m in posted if isinstance(m, Notify))
        assert f"In {tmp_path / 'config.toml'}: Keymap names 'dashbord.filter'" in said
        assert "Theme 'drakula' is not one of the themes" in said
        assert app.theme == "textual-dark"


async def test_a_theme_chosen_in_the_palette_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_with('server = "http://portal.example"\n', tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.theme = "nord"  # what the palette's Change theme does
        await settle(pilot)
    text = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert text == 'server = "http://portal.example"\ntheme = "nord"\n'
