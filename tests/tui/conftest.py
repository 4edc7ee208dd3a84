"""Fixtures for the TUI's pilot tests: the app against the real portal on loopback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cc_tui.server.runner import BackgroundServer
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from tests.tui.helpers import HomeApp

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
