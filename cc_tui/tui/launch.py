"""Start the Textual app against a portal URL (placeholder until the TUI lands)."""

from __future__ import annotations


def launch(server_url: str | None, demo: bool) -> int:
    raise SystemExit("The terminal client is not built yet.")
