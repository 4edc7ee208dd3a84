"""Server settings: where data lives, how mail leaves, and the session rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cc_tui.server.clock import Clock, SystemClock

if TYPE_CHECKING:
    from cc_tui.domain.calendar import MaintenanceWindow


@dataclass
class ServerSettings:
    data_dir: Path
    # "HOST:PORT" of an SMTP server; None delivers every mail to <data_dir>/mail (Maildir).
    smtp: str | None = None
    # STARTTLS after connecting, and a login (a relay on 587 usually wants both).
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    clock: Clock = field(default_factory=SystemClock)
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    # The ONE lifetime of a login: its ticket, the e-mailed code (which ends with it),
    # what the mail and the OTP screen say (LoginResponse.code_ttl_seconds), and a
    # Profile device registration.
    ticket_ttl: timedelta = timedelta(minutes=5)
    max_failures: int = 5
    # The throttle: this many failed logins from one client address within the window
    # (across any user IDs) and the next attempts get 429 with Retry-After.
    login_throttle: int = 20
    login_throttle_window: timedelta = timedelta(minutes=1)
    email_code_interval: timedelta = timedelta(seconds=30)
    password_reset_ttl: timedelta = timedelta(minutes=30)
    # The weekly maintenance window (DOMAIN.md): Saturday 08:00 to Sunday 00:00 HKT.
    maintenance_start_weekday: int = 5
    maintenance_start: time = time(8, 0)
    maintenance_end_weekday: int = 6
    maintenance_end: time = time(0, 0)
    # Seed the demo firms and users on first start (idempotent), and this many requests.
    seed_demo: bool = True
    seed_requests: int = 0
    seed_random: int = 2024
    # Only these eServices' requests are seeded (a test's fixed set, e.g. seed_requests.
    # SPREAD, so that an eService added to the catalogue changes none of its screens);
    # None: every eService of the catalogue.
    seed_eservices: tuple[str, ...] | None = None
    # Argon2id cost; tests lower it so that hashing does not dominate their time.
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19456
    # Bounded work per request (limits.py, http_protocol.py; API.md "Limits").
    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = 32
    body_timeout: float = 30.0
    header_timeout: float = 10.0
    max_connections: int = 200

    @property
    def maintenance_window(self) -> MaintenanceWindow:
        from cc_tui.domain.calendar import MaintenanceWindow

        return MaintenanceWindow(
            self.maintenance_start_weekday,
            self.maintenance_start,
            self.maintenance_end_weekday,
            self.maintenance_end,
        )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "portal.db"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"
