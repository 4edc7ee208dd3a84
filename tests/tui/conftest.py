"""Fixtures for the TUI's pilot tests: the app against the real portal on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from tests.tui.helpers import HomeApp
from tests.tui.maker_checker import MAKER, PortalApi

AppFactory = Callable[..., PortalApp]


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "client-state"


@pytest.fixture
def token_store() -> TokenStore:
    return TokenStore(memory_only=True)


@pytest.fixture
def make_app(live_portal: BackgroundServer, state_dir: Path, token_store: TokenStore) -> AppFactory:
    def make(**overrides: object) -> PortalApp:
        options: dict[str, object] = {
            "token_store": token_store,
            "state_dir": state_dir,
        }
        options.update(overrides)
        url = str(options.pop("server_url", live_portal.url))
        return HomeApp(url, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def maker_api(
    live_portal: BackgroundServer, server_settings: ServerSettings
) -> Iterator[PortalApi]:
    """The portal's API as maker@harbour.example acts on it, beside the app under test."""
    api = PortalApi(live_portal.url, server_settings, MAKER)
    yield api
    api.close()


@pytest.fixture
def toasts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every notification the app shows, in order."""
    seen: list[str] = []
    original = PortalApp.notify

    def notify(self: PortalApp, message: str, *args: Any, **kwargs: Any) -> None:
        seen.append(message)
        original(self, message, *args, **kwargs)

    monkeypatch.setattr(PortalApp, "notify", notify)
    yield seen
