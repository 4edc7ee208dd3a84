"""What the client remembers between runs that is not a secret: the last user ID per
portal, in `<data dir>/state.json`. Plain json (no pydantic) so that reading it costs
nothing before the first frame; a missing or damaged file is simply "nothing known".

`default_state_dir()` is `cc_tui.tui.config.data_dir()` without importing that module (and
pydantic with it) before the first frame; a test holds the two equal."""

from __future__ import annotations

import json
import os
from pathlib import Path

STATE_FILE = "state.json"


def default_state_dir() -> Path:
    import platformdirs

    return Path(os.environ.get("CC_TUI_DATA_DIR") or platformdirs.user_data_dir("cc-tui"))


def _read(state_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def last_user_id(state_dir: Path | None, server_url: str) -> str:
    if state_dir is None:
        return ""
    users = _read(state_dir).get("last_user_id")
    value = users.get(server_url.rstrip("/")) if isinstance(users, dict) else None
    return value if isinstance(value, str) else ""


def remember_user_id(state_dir: Path | None, server_url: str, user_id: str) -> None:
    """Save the user ID for next time; a read-only disk is not worth an error."""
    if state_dir is None:
        return
    data = _read(state_dir)
    users = data.get("last_user_id")
    if not isinstance(users, dict):
        users = {}
    users[server_url.rstrip("/")] = user_id
    data["last_user_id"] = users
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / STATE_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        return
