"""What can go wrong talking to the portal, as exceptions a screen can show as they are.

- `PortalError`: the portal answered with an RFC 9457 problem. It carries the server's
  `detail` and `fix` unchanged (API.md: the TUI shows them as they are), the stable
  `code`, per-field `errors` and `retry_after` (429/503).
- `SessionExpired`: a `PortalError` for 401 `session_expired` / `not_logged_in`, so a
  caller can send the user back to the login screen with one `except`.
- `PortalUnreachable`: no answer at all (refused, timed out, dropped).

This module is plain Python on purpose (no httpx, no pydantic): the TUI imports it before
its first frame, and the wire parsing lives in `portal.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cc_tui.domain.i18n import _

SESSION_CODES = frozenset({"session_expired", "not_logged_in"})


@dataclass(frozen=True)
class FieldProblem:
    """One field the portal (or the client's own check) refused, with how to fix it."""

    field: str
    message: str
    fix: str | None = None


class PortalError(Exception):
    """The portal refused a call; `detail` says what is wrong and `fix` what to do."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        fix: str | None = None,
        errors: tuple[FieldProblem, ...] = (),
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.fix = fix
        self.errors = errors
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        """The sentence to show: the server's detail, then its fix."""
        return f"{self.detail} {self.fix}" if self.fix else self.detail

    @property
    def session_expired(self) -> bool:
        return self.status == 401 and self.code in SESSION_CODES

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r})"


class SessionExpired(PortalError):
    """The session token is unknown, expired or revoked: log in again."""


class PortalUnreachable(Exception):
    """No answer from the portal: connection refused, timed out or dropped."""

    def __init__(self, url: str, reason: str = "", *, timed_out: bool = False) -> None:
        self.url = url
        self.reason = reason
        self.timed_out = timed_out
        super().__init__(self.message)

    @property
    def message(self) -> str:
        # "press r to retry" is a message of its own: a screen whose retry is a button
        # says that instead (accounts/forms.py).
        if self.timed_out:
            return _(
                "The portal at {url} did not answer in time. It may be busy or your network "
                "slow; {retry}."
            ).format(url=self.url, retry=_("press r to retry"))
        return _(
            "Cannot reach the portal at {url}. Check your network or the --server address, "
            "then {retry}."
        ).format(url=self.url, retry=_("press r to retry"))


def problem_error(
    status: int,
    code: str,
    detail: str,
    fix: str | None = None,
    errors: tuple[FieldProblem, ...] = (),
    retry_after: float | None = None,
) -> PortalError:
    """The right `PortalError` subclass for a problem's status and code."""
    kind = SessionExpired if status == 401 and code in SESSION_CODES else PortalError
    return kind(status, code, detail, fix, errors, retry_after)
