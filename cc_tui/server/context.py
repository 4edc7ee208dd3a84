"""What a request handler can reach: settings, the database, the clock, the mailer;
and who is asking (the Principal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cc_tui.server.clock import Clock
from cc_tui.server.db import Database
from cc_tui.server.mail import Mailer
from cc_tui.server.settings import ServerSettings


@dataclass
class ServerContext:
    settings: ServerSettings
    db: Database
    mailer: Mailer

    @property
    def clock(self) -> Clock:
        return self.settings.clock

    def now(self) -> datetime:
        return self.settings.clock.now()


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
