"""What a request handler can reach: settings, the database, the clock, the mailer;
and who is asking (the Principal).

`ServerContext.later(coroutine)` runs work after the answer (mails that must not change
how long an answer takes: forgot-password, security notices); the app's shutdown and
tests wait for it with `drain()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cc_tui.server.clock import Clock
from cc_tui.server.db import Database
from cc_tui.server.mail import Mailer
from cc_tui.server.settings import ServerSettings


@dataclass
class ServerContext:
    settings: ServerSettings
    db: Database
    mailer: Mailer
    _later: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    @property
    def clock(self) -> Clock:
        return self.settings.clock

    def now(self) -> datetime:
        return self.settings.clock.now()

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` on the event loop after the caller's answer has gone."""
        task = asyncio.get_running_loop().create_task(work)
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def drain(self) -> None:
        """Wait for every piece of work `later` started (and any they started)."""
        while self._later:
            await asyncio.gather(*self._later, return_exceptions=True)


@dataclass(frozen=True)
class Principal:
    """The logged-in user acting for one membership (X-Participant-ID)."""

    user_id: str
    name: str
    participant_id: str | None
    memberships: tuple[str, ...]
    rights: frozenset[str] = field(default_factory=frozenset)
    is_exchange_officer: bool = False
    token_hash: str = ""

    def has_right(self, right: str) -> bool:
        return right in self.rights
