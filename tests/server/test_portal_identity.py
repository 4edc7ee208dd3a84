"""The portal's identity: made with its data directory, the same at every start, reported
in GET /service/status (clients key their local state by it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cc_tui.server.settings import ServerSettings
from tests.server.login_helpers import portal


async def status_id(settings: ServerSettings) -> str:
    async with portal(settings) as (_, api):
        answer = await api.get("/service/status")
        assert answer.status_code == 200
        value = answer.json()["portal_id"]
        assert isinstance(value, str)
        return value


async def test_the_portal_id_is_made_with_the_data_directory_and_kept(
    server_settings: ServerSettings, tmp_path: Path
) -> None:
    first = await status_id(server_settings)
    assert len(first) == 32 and int(first, 16) >= 0
    assert await status_id(server_settings) == first, "the same data, the same portal"
    other = await status_id(replace(server_settings, data_dir=tmp_path / "another"))
    assert other != first, "another data directory is another portal"
