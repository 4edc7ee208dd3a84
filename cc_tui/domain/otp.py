"""One-time passwords: TOTP (RFC 6238) for authenticator apps, and e-mail codes.

Built on pyotp for the HOTP arithmetic, with three rules pyotp leaves to its caller:
- a time step is accepted once only: `verify_totp` reports the step a code matched so
  the caller stores it, and refuses that step and every earlier one as REUSED;
- codes are compared in constant time (`hmac.compare_digest`), each candidate step
  compared whether or not an earlier one matched;
- times are aware datetimes (pyotp would read a naive one as the host's local time).

The otpauth URI follows the ForgeRock Authenticator's form,
`otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>&period=30&digits=6`,
but its QR code must fit an 80x24 terminal. Drawn in half blocks (two modules a cell),
a version-6 code (41x41 modules, 22 rows with a one-module border) fits beside short
instructions, and holds 134 bytes at error-correction level L; `MAX_URI_LENGTH` (120)
keeps within that with room to spare. With a 160-bit secret (32 base32 characters) the
full form passes 120 once the account is longer than 29 characters, so `otpauth_uri`
then drops `period` and `digits` (their defaults in the Key URI Format, which every app
assumes), then the `issuer` parameter (the label still names the issuer), only as far
as needed.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pyotp

ISSUER = "HKEX"
STEP_SECONDS = 30
DIGITS = 6
ALGORITHM = "SHA1"
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends for HMAC-SHA-1
MAX_URI_LENGTH = 120

_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class OtpCheck(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    REUSED = "reused"


@dataclass(frozen=True)
class OtpResult:
    """The verdict on a code; `step` is the time step it matched (None when INVALID)."""

    check: OtpCheck
    step: int | None

    @property
    def ok(self) -> bool:
        return self.check is OtpCheck.OK


def new_totp_secret() -> str:
    """A new base32 secret of 160 random bits (32 characters, no padding)."""
    return pyotp.random_base32(length=SECRET_BYTES * 8 // 5)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; pass an aware datetime.")


def time_step(at: datetime) -> int:
    """The RFC 6238 time step of `at`: whole 30-second periods since the Unix epoch."""
    _require_aware(at)
    return int(at.timestamp() // STEP_SECONDS)


def _code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def totp_code(secret: str, at: datetime) -> str:
    """The 6-digit code an authenticator app shows at `at`."""
    return _code_at_step(secret, time_step(at))


def normalise_code(code: str) -> str | None:
    """The code's digits, blanks removed ("123 456" -> "123456"); None if not 6 digits."""
    digits = "".join(code.split())
    if len(digits) != DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return digits


def verify_totp(
    secret: str,
    code: str,
    at: datetime,
    last_used_step: int | None,
    drift_steps: int = 1,
) -> OtpResult:
    """Check `code` against the steps from `drift_steps` before `at` to as many after.

    OK gives the step to store as the new `last_used_step`; a code whose step is at
    or before `last_used_step` is REUSED; anything else, including text that is not
    six digits, is INVALID.
    """
    if drift_steps < 0:
        raise ValueError(f"drift_steps must be 0 or more, not {drift_steps}.")
    now = time_step(at)
    given = normalise_code(code)
    if given is None:
        return OtpResult(OtpCheck.INVALID, None)
    # Nearest step first, so a code that happens to match two steps is read as the
    # nearest one; every candidate is compared, matched or not.
    window = range(max(0, now - drift_steps), now + drift_steps + 1)
    candidates = sorted(window, key=lambda step: abs(step - now))
    matched = [
        step
        for step in candidates
        if hmac.compare_digest(_code_at_step(secret, step).encode(), given.encode())
    ]
    fresh = [step for step in matched if last_used_step is None or step > last_used_step]
    if fresh:
        return OtpResult(OtpCheck.OK, fresh[0])
    if matched:
        return OtpResult(OtpCheck.REUSED, matched[0])
    return OtpResult(OtpCheck.INVALID, None)


def otpauth_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The `otpauth://totp/` URI an authenticator app scans, as short as it needs to be."""
    _require_secret(secret)
    if not account:
        raise ValueError("An otpauth URI needs an account name.")
    if not issuer or ":" in issuer:
        raise ValueError(f"{issuer!r} cannot be an issuer: it must be non-empty, without ':'.")
    label = f"{quote(issuer, safe='')}:{quote(account, safe='@')}"
    base = f"otpauth://totp/{label}?secret={secret}"
    issuer_param = f"&issuer={quote(issuer, safe='')}"
    defaults = f"&period={STEP_SECONDS}&digits={DIGITS}"
    for uri in (base + issuer_param + defaults, base + issuer_param, base):
        if len(uri) <= MAX_URI_LENGTH:
            return uri
    return base


def parse_otpauth_uri(uri: str) -> tuple[str, str, str]:
    """(secret, account, issuer) of an `otpauth://totp/` URI that our TOTP rules can read.

    ValueError when it is not one: another scheme or type, no secret, or a period,
    digit count or algorithm other than 30 s, 6 and SHA1.
    """
    parts = urlsplit(uri)
    if parts.scheme.lower() != "otpauth" or parts.netloc.lower() != "totp":
        raise ValueError(f"Not an otpauth://totp/ URI: {uri[:40]!r}.")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    label_issuer, account = _split_label(parts.path.removeprefix("/"))
    issuer = query.get("issuer", label_issuer)
    if label_issuer and issuer != label_issuer:
        raise ValueError(
            f"The URI names two issuers, {label_issuer!r} and {issuer!r}; they must agree."
        )
    if not account:
        raise ValueError("The URI names no account.")
    secret = query.get("secret", "")
    _require_secret(secret)
    expected = {"period": str(STEP_SECONDS), "digits": str(DIGITS), "algorithm": ALGORITHM}
    for key, value in expected.items():
        if query.get(key, value).upper() != value.upper():
            raise ValueError(f"This portal's codes use {key}={value}, not {query[key]}.")
    return secret, account, issuer


def _split_label(label: str) -> tuple[str, str]:
    """(issuer, account) of a label; the separator is a literal ':' or else a '%3A'."""
    if ":" in label:
        issuer, account = label.split(":", 1)
        return unquote(issuer), unquote(account.lstrip(" "))
    decoded = unquote(label)
    issuer, colon, account = decoded.partition(":")
    return (issuer, account) if colon else ("", decoded)


def _require_secret(secret: str) -> None:
    if not secret or not set(secret.rstrip("=")) <= _BASE32:
        raise ValueError("A TOTP secret is upper-case base32 (A-Z, 2-7).")


def new_email_code() -> str:
    """Six random digits for an e-mailed one-time password."""
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def codes_match(expected: str, given: str) -> bool:
    """Whether `given` (as typed: blanks allowed) is `expected`, compared in constant time."""
    typed = normalise_code(given)
    return typed is not None and hmac.compare_digest(typed.encode(), expected.encode())
