"""One login on its way through the screens: login -> (device choice -> device) -> OTP.

The ticket from the password step carries the login; `email_sent_at` (monotonic
seconds) lets the OTP screen count down the 30 s before another e-mail code may be sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

Channel = Literal["email", "app"]
RegistrationNeed = Literal["none", "offered", "required"]

EMAIL_RESEND_INTERVAL = 30.0


@dataclass
class LoginFlow:
    user_id: str
    ticket: str
    channel: Channel
    device_registration: RegistrationNeed = "none"
    device_registered: bool = False
    # How long the login (and its e-mailed code) lasts, as the portal said.
    code_ttl_seconds: int = 300
    email_sent_at: float | None = field(default=None)

    def mark_email_sent(self, wait: float = EMAIL_RESEND_INTERVAL) -> None:
        """The portal just sent a code (or said to wait `wait` seconds before the next)."""
        self.email_sent_at = time.monotonic() - (EMAIL_RESEND_INTERVAL - wait)

    def resend_wait(self, now: float | None = None) -> int:
        """Whole seconds until another e-mail code may be asked for; 0 when it may."""
        if self.email_sent_at is None:
            return 0
        now = time.monotonic() if now is None else now
        left = self.email_sent_at + EMAIL_RESEND_INTERVAL - now
        return max(0, int(left + 0.999))

    @property
    def code_minutes(self) -> int:
        """The login's lifetime in whole minutes, as the OTP screen says it."""
        return max(1, round(self.code_ttl_seconds / 60))

    def channel_after_skip(self) -> Channel:
        """Skipping registration logs in with the old device, or by e-mail without one."""
        return "app" if self.channel == "app" and self.device_registered else "email"
