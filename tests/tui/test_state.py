"""The client's own memory between runs: where it lives and what it survives."""

from __future__ import annotations

from pathlib import Path

import pytest

from cc_tui.tui import config
from cc_tui.tui.state import default_state_dir, last_user_id, remember_user_id


@pytest.mark.parametrize("override", [None, "/srv/cc-tui-data"])
def test_the_state_dir_is_the_configured_data_dir(
    monkeypatch: pytest.MonkeyPatch, override: str | None
) -> None:
    if override is None:
        monkeypatch.delenv("CC_TUI_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("CC_TUI_DATA_DIR", override)
    assert default_state_dir() == config.data_dir()


def test_the_last_user_id_is_kept_per_portal(tmp_path: Path) -> None:
    remember_user_id(tmp_path, "http://a:1/", "maker@harbour.example")
    remember_user_id(tmp_path, "http://b:2", "checker@harbour.example")
    assert last_user_id(tmp_path, "http://a:1") == "maker@harbour.example"
    assert last_user_id(tmp_path, "http://b:2/") == "checker@harbour.example"
    assert last_user_id(tmp_path, "http://c:3") == ""
    assert last_user_id(None, "http://a:1") == ""


def test_a_damaged_state_file_is_nothing_known(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{not json")
    assert last_user_id(tmp_path, "http://a:1") == ""
    remember_user_id(tmp_path, "http://a:1", "maker@harbour.example")
    assert last_user_id(tmp_path, "http://a:1") == "maker@harbour.example"
