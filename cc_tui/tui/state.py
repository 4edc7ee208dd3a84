"""What the client remembers between runs that is not a secret: the last user ID per
portal, the membership each user last acted for there, which portal (its `portal_id`)
answered at which URL, and the folder each user last attached a file from, in
`<data dir>/state.json`.

A portal is known by the `portal_id` it reports in /service/status, not by its URL (the
demo portal takes a new port at each start): the URL -> portal_id map only lets the
first frame fill in the user ID before the portal has answered.

Plain json (no pydantic) so that reading it costs nothing before the first frame; a
missing or damaged file is simply "nothing known".

`default_state_dir()` is `cc_tui.tui.config.data_dir()` without importing that module (and
pydantic with it) before the first frame; a test holds the two equal."""

from __future__ import annotations

import json
import os
from pathlib import Path

STATE_FILE = "state.json"
KEEP = 50  # entries per table: portals a person uses, not every port a demo ever took


def default_state_dir() -> Path:
    import platformdirs

    return Path(os.environ.get("CC_TUI_DATA_DIR") or platformdirs.user_data_dir("cc-tui"))


def _read(state_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _lookup(state_dir: Path | None, table: str, key: str) -> str:
    if state_dir is None:
        return ""
    entries = _read(state_dir).get(table)
    value = entries.get(key.rstrip("/")) if isinstance(entries, dict) else None
    return value if isinstance(value, str) else ""


def last_user_id(state_dir: Path | None, portal: str) -> str:
    """The user ID last logged in to `portal` (its portal_id, or URL if it has none)."""
    return _lookup(state_dir, "last_user_id", portal)


def remember_user_id(state_dir: Path | None, portal: str, user_id: str) -> None:
    """Save the user ID for next time; a read-only disk is not worth an error."""
    _remember(state_dir, "last_user_id", portal, user_id)


def known_portal_id(state_dir: Path | None, server_url: str) -> str | None:
    """The portal_id last reported at `server_url`, if any."""
    return _lookup(state_dir, "portal_at_url", server_url) or None


def remember_portal_id(state_dir: Path | None, server_url: str, portal_id: str) -> None:
    _remember(state_dir, "portal_at_url", server_url, portal_id)


def _membership_key(portal: str, user_id: str) -> str:
    return f"{portal.rstrip('/')} {user_id.strip().casefold()}"


def last_membership(state_dir: Path | None, portal: str, user_id: str) -> str | None:
    """The membership this user last acted for on `portal` (its portal_id, or URL if it
    has none); None when not known."""
    return _lookup(state_dir, "last_membership", _membership_key(portal, user_id)) or None


def remember_membership(
    state_dir: Path | None, portal: str, user_id: str, participant_id: str
) -> None:
    """Save the acting membership for this user's next login; a read-only disk is not
    worth an error."""
    _remember(state_dir, "last_membership", _membership_key(portal, user_id), participant_id)


def last_upload_folder(state_dir: Path | None, user_id: str) -> str:
    """The folder this user last chose a supporting document in ("" when none)."""
    return _lookup(state_dir, "last_upload_folder", user_id.strip().casefold())


def remember_upload_folder(state_dir: Path | None, user_id: str, folder: str) -> None:
    """Save the folder for the upload browser's next start; a read-only disk is not
    worth an error."""
    _remember(state_dir, "last_upload_folder", user_id.strip().casefold(), folder)


def _remember(state_dir: Path | None, table: str, key: str, value: str) -> None:
    if state_dir is None:
        return
    data = _read(state_dir)
    entries = data.get(table)
    if not isinstance(entries, dict):
        entries = {}
    if entries.get(key.rstrip("/")) == value:
        return
    entries.pop(key.rstrip("/"), None)
    entries[key.rstrip("/")] = value  # the newest last; the oldest go beyond KEEP
    data[table] = dict(list(entries.items())[-KEEP:])
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / STATE_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        return
