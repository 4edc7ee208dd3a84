"""Where cc-tui keeps things (platformdirs), and the client's settings.

Settings come from `<config dir>/config.toml` when present, overridden by environment
variables `CC_TUI_<NAME>`; every field says what it is for.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field

APP_NAME = "cc-tui"


def config_dir() -> Path:
    return Path(os.environ.get("CC_TUI_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(os.environ.get("CC_TUI_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def demo_data_dir() -> Path:
    """The bundled portal's database, files and outbox for `--demo`."""
    return data_dir() / "demo-portal"


def drafts_dir() -> Path:
    """Unsent form input, kept until the server has accepted it."""
    return data_dir() / "drafts"


def downloads_dir() -> Path:
    return (
        Path(os.environ.get("CC_TUI_DOWNLOADS_DIR") or platformdirs.user_downloads_dir()) / APP_NAME
    )


class Settings(BaseModel):
    """The client's settings."""

    server: str | None = Field(
        default=None, description="The portal's URL, used when --server is not given."
    )
    request_timeout: float = Field(
        default=15.0, description="Seconds to wait for the portal before saying it is slow."
    )
    theme: str = Field(default="textual-dark", description="The Textual theme to start with.")
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description="Key overrides by binding id, e.g. {'dashboard.filter': 'f'}.",
    )


def load_settings() -> Settings:
    values: dict[str, object] = {}
    path = config_dir() / "config.toml"
    if path.exists():
        values.update(tomllib.loads(path.read_text(encoding="utf-8")))
    for name in Settings.model_fields:
        env = os.environ.get(f"CC_TUI_{name.upper()}")
        if env is not None and name != "keymap":
            values[name] = env
    return Settings.model_validate(values)
