"""Issue 15, point 3: the dashboard in zh-Hant at 80x24, against the same seeded portal as
tests/tui/test_dashboard_snapshots.py: tabs, the table's header and statuses are Chinese
(double-width), and every column still lines up (cut by display width, rich's cell_len).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_tui.domain.i18n import set_default_language
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from tests.tui.account_helpers import resume_as
from tests.tui.test_dashboard import LEAD, server_settings
from tests.tui.test_dashboard_snapshots import SnapCompare, steady

__all__ = ["server_settings"]  # the seeded settings, shared with test_dashboard


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_default_language("en")


def test_dashboard_zh_hant_80x24(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    resume_as(LEAD, live_portal, server_settings, state_dir, token_store)
    app = PortalApp(
        live_portal.url,
        token_store=token_store,
        state_dir=state_dir,
        language="zh-Hant",
        language_forced=True,
    )
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady)
