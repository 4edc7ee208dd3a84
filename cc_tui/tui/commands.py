"""The command palette (ctrl+p): the app's verbs and the current screen's.

`PortalCommands` asks the app for `palette_commands(screen)`, which lists the app's own
commands and then the screen's (`PortalScreen.palette_commands`). A later screen adds a
command by returning it from its `palette_commands`; nothing here changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@dataclass(frozen=True)
class PaletteCommand:
    """A verb in the palette: its name, one line of help, and what it does."""

    name: str
    help: str
    run: Callable[[], object]


class HasPaletteCommands(Protocol):
    def palette_commands(self, screen: Screen[object]) -> list[PaletteCommand]: ...


class PortalCommands(Provider):
    """cc-tui's commands, beside Textual's own (theme, keys, quit)."""

    def _commands(self) -> list[PaletteCommand]:
        app = self.app
        if not hasattr(app, "palette_commands"):
            return []
        source: HasPaletteCommands = app
        return source.palette_commands(self.screen)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)
