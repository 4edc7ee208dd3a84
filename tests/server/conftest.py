"""Fixtures of the server tests that several modules share."""

from __future__ import annotations

import pytest

from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import Outbox


@pytest.fixture
def outbox(server_settings: ServerSettings) -> Outbox:
    """The portal's mail, read as the user would (login_helpers.Outbox)."""
    return Outbox(server_settings)
