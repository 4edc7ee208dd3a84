"""Start the Textual app against a portal URL (`cc-tui --server URL`, `cc-tui --demo`).

The first frame waits for nothing it can do without: the settings (a pydantic model, read
from config.toml) are loaded by the app right after its first frame and applied then
(keymap, theme, timeout). Only without --server are they read first, for their `server`.

`CC_TUI_READY_FILE=PATH` makes the app write the monotonic time at which the login screen
is drawn to PATH, then exit: bench/startup.py measures start-up with it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cc_tui.tui.state import default_state_dir

if TYPE_CHECKING:
    from cc_tui.tui.config import Settings
    from cc_tui.tui.credentials import TokenStore


def _config_file() -> Path:
    from cc_tui.tui.config import config_dir

    return config_dir() / "config.toml"


def load_settings() -> Settings:
    """The settings, or a ValueError that says which file is wrong and how."""
    from pydantic import ValidationError

    from cc_tui.tui import config

    try:
        return config.load_settings()
    except (ValidationError, ValueError) as error:
        raise ValueError(
            f"The settings in {_config_file()} are not valid ({error}). Correct or remove "
            "that file."
        ) from None


def _memory_only() -> TokenStore:
    from cc_tui.tui.credentials import TokenStore

    return TokenStore(memory_only=True)


def launch(
    server_url: str | None,
    demo: bool,
    portal_id: str | None = None,
    demo_users: tuple[str, ...] = (),
    demo_data_dir: Path | None = None,
    in_browser: bool = False,
    lang: str | None = None,
) -> int:
    """Run the app until it ends; its exit code. `in_browser`: one tab of `cc-tui web`
    (tui/web.py), where the serving machine is not the user's: the session lives in memory
    only, no stored one is resumed and no user ID is remembered."""
    settings: Settings | None = None
    if not server_url:
        try:
            settings = load_settings()
        except ValueError as error:
            print(f"cc-tui: {error}", file=sys.stderr)
            return 2
        server_url = settings.server
        if not server_url:
            print(
                "cc-tui: no portal to connect to. Start it with --server URL, or --demo for "
                f"the bundled one, or set `server` in {_config_file()}.",
                file=sys.stderr,
            )
            return 2
    from cc_tui.domain.i18n import set_default_language
    from cc_tui.tui.config import choose_language, configured_language

    # Before the app and its screens are made: every word they show is in it.
    language = choose_language(lang, configured_language(), os.environ)
    set_default_language(language)
    from cc_tui.tui.app import PortalApp

    ready = os.environ.get("CC_TUI_READY_FILE")
    app = PortalApp(
        server_url,
        demo=demo,
        settings=settings,
        settings_loader=load_settings if settings is None else None,
        state_dir=default_state_dir(),
        ready_file=Path(ready) if ready else None,
        portal_id=portal_id,
        remember_theme=True,
        demo_users=demo_users,
        demo_data_dir=demo_data_dir,
        in_browser=in_browser,
        language=language,
        language_forced=lang is not None,
        resume=not in_browser,
        token_store=_memory_only() if in_browser else None,
    )
    app.run()
    return app.return_code or 0
