"""Start the Textual app against a portal URL (`cc-tui --server URL`, `cc-tui --demo`).

Reads the settings, then imports and runs the app. `CC_TUI_READY_FILE=PATH` makes the
app write the monotonic time of its first frame to PATH and exit: bench/startup.py
measures start-up with it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def launch(server_url: str | None, demo: bool) -> int:
    from pydantic import ValidationError

    from cc_tui.config import config_dir, data_dir, load_settings

    try:
        settings = load_settings()
    except (ValidationError, ValueError) as error:
        print(
            f"cc-tui: the settings in {config_dir() / 'config.toml'} are not valid:\n{error}\n"
            "Correct or remove that file, then start cc-tui again.",
            file=sys.stderr,
        )
        return 2
    url = server_url or settings.server
    if not url:
        print(
            "cc-tui: no portal to connect to. Start it with --server URL, or --demo for the "
            f"bundled one, or set `server` in {config_dir() / 'config.toml'}.",
            file=sys.stderr,
        )
        return 2
    from cc_tui.tui.app import PortalApp

    ready = os.environ.get("CC_TUI_READY_FILE")
    app = PortalApp(
        url,
        demo=demo,
        settings=settings,
        state_dir=data_dir(),
        ready_file=Path(ready) if ready else None,
    )
    app.run()
    return app.return_code or 0
