"""One-time passwords: RFC 6238 vectors, drift, reuse, otpauth URIs and e-mail codes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal
from urllib.parse import quote

import pyotp
import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from cc_tui.domain.otp import (
    DIGITS,
    ISSUER,
    MAX_URI_LENGTH,
    STEP_SECONDS,
    OtpCheck,
    OtpResult,
    codes_match,
    new_email_code,
    new_totp_secret,
    normalise_code,
    otpauth_uri,
    parse_otpauth_uri,
    time_step,
    totp_code,
    verify_totp,
)

# RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    # (Unix time, time step T, 8-digit TOTP)
    (59, 0x1, "94287082"),
    (1111111109, 0x23523EC, "07081804"),
    (1111111111, 0x23523ED, "14050471"),
    (1234567890, 0x273EF07, "89005924"),
    (2000000000, 0x3F940AA, "69279037"),
    (20000000000, 0x27BC86AA, "65353130"),
]
AT = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)


def test_the_parameters_are_the_common_apps_defaults() -> None:
    assert (ISSUER, STEP_SECONDS, DIGITS) == ("HKEX", 30, 6)


@pytest.mark.parametrize(("unix", "step", "code"), RFC_VECTORS)
def test_rfc_6238_sha1_vectors(unix: int, step: int, code: str) -> None:
    at = datetime.fromtimestamp(unix, UTC)
    assert time_step(at) == step
    eight_digits = pyotp.TOTP(RFC_SECRET, digits=8, interval=30)
    assert eight_digits.generate_otp(time_step(at)) == code
    assert eight_digits.at(at) == code
    # Six digits are the last six of the eight (the same truncated HMAC, mod 10^6).
    assert totp_code(RFC_SECRET, at) == code[-6:]


def test_time_step_reads_any_zone_and_refuses_naive_times() -> None:
    at = datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)  # 1234567890
    hong_kong = at.astimezone(timezone(timedelta(hours=8)))
    assert time_step(at) == time_step(hong_kong) == 1234567890 // 30
    assert time_step(at - timedelta(microseconds=1)) == 1234567890 // 30 - 1
    with pytest.raises(ValueError, match="no time zone"):
        time_step(datetime(2026, 11, 23, 10, 0))
    with pytest.raises(ValueError, match="no time zone"):
        totp_code(RFC_SECRET, datetime(2026, 11, 23, 10, 0))


def test_codes_agree_with_pyotp() -> None:
    secret = new_totp_secret()
    assert pyotp.TOTP(secret).at(AT) == totp_code(secret, AT)
    assert pyotp.TOTP(secret).verify(totp_code(secret, AT), for_time=AT)


def test_secrets_have_160_random_bits() -> None:
    secret = new_totp_secret()
    assert len(secret) == 32
    assert len(base64.b32decode(secret)) == 20
    assert secret != new_totp_secret()


def code_at(secret: str, steps: int) -> str:
    return totp_code(secret, AT + timedelta(seconds=STEP_SECONDS * steps))


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_a_code_one_step_either_side_is_accepted(steps: int) -> None:
    result = verify_totp(RFC_SECRET, code_at(RFC_SECRET, steps), AT, last_used_step=None)
    assert result == OtpResult(OtpCheck.OK, time_step(AT) + steps)
    assert result.ok


@pytest.mark.parametrize("steps", [-3, -2, 2, 3])
def test_a_code_two_steps_away_is_refused(steps: int) -> None:
    result = verify_totp(RFC_SECRET, code_at(RFC_SECRET, steps), AT, last_used_step=None)
    assert result == OtpResult(OtpCheck.INVALID, None)
    assert not result.ok


def test_drift_is_a_setting() -> None:
    assert verify_totp(RFC_SECRET, code_at(RFC_SECRET, 1), AT, None, drift_steps=0).check is (
        OtpCheck.INVALID
    )
    assert verify_totp(RFC_SECRET, code_at(RFC_SECRET, 2), AT, None, drift_steps=2).ok
    with pytest.raises(ValueError):
        verify_totp(RFC_SECRET, code_at(RFC_SECRET, 0), AT, None, drift_steps=-1)


def test_a_used_step_is_never_accepted_again() -> None:
    code = code_at(RFC_SECRET, 0)
    first = verify_totp(RFC_SECRET, code, AT, last_used_step=None)
    assert first.check is OtpCheck.OK
    # pyotp's own verify would take the same code again within its 30 seconds.
    assert pyotp.TOTP(RFC_SECRET).verify(code, for_time=AT)
    again = verify_totp(RFC_SECRET, code, AT + timedelta(seconds=10), first.step)
    assert again == OtpResult(OtpCheck.REUSED, first.step)
    # A code from an earlier step, though within the drift, is refused as well...
    earlier = verify_totp(RFC_SECRET, code_at(RFC_SECRET, -1), AT, first.step)
    assert earlier.check is OtpCheck.REUSED
    # ...but the next step's code is fresh.
    later = verify_totp(RFC_SECRET, code_at(RFC_SECRET, 1), AT, first.step)
    assert later == OtpResult(OtpCheck.OK, time_step(AT) + 1)


def test_a_wrong_code_is_invalid_even_after_a_use() -> None:
    wrong = f"{(int(code_at(RFC_SECRET, 0)) + 1) % 10**6:06d}"
    assert all(wrong != code_at(RFC_SECRET, s) for s in (-1, 0, 1))
    result = verify_totp(RFC_SECRET, wrong, AT, last_used_step=time_step(AT))
    assert result == OtpResult(OtpCheck.INVALID, None)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "12345",
        "1234567",
        "abcdef",
        "12345a",
        "12-456",
        "١٢٣٤٥٦",
        "１２３４５６",
        "+12345",
        "-12345",
    ],
)
def test_text_that_is_not_six_digits_is_invalid_without_an_exception(code: str) -> None:
    assert verify_totp(RFC_SECRET, code, AT, None) == OtpResult(OtpCheck.INVALID, None)
    assert normalise_code(code) is None


def test_blanks_in_a_typed_code_are_ignored() -> None:
    code = code_at(RFC_SECRET, 0)
    spaced = f" {code[:3]} {code[3:]}\n"
    assert normalise_code(spaced) == code
    assert verify_totp(RFC_SECRET, spaced, AT, None).ok


def test_verify_at_the_epoch_skips_steps_before_it() -> None:
    epoch = datetime.fromtimestamp(0, UTC)
    assert verify_totp(RFC_SECRET, totp_code(RFC_SECRET, epoch), epoch, None).step == 0


def test_verify_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        verify_totp(RFC_SECRET, "123456", datetime(2026, 11, 23), None)


@given(st.integers(1, 2**31), st.integers(-1, 1))
def test_any_step_within_drift_verifies_once(step: int, drift: int) -> None:
    at = datetime.fromtimestamp(step * STEP_SECONDS, UTC)
    code = totp_code(RFC_SECRET, at + timedelta(seconds=STEP_SECONDS * drift))
    first = verify_totp(RFC_SECRET, code, at, None)
    assert first.ok
    assert first.step is not None
    assert verify_totp(RFC_SECRET, code, at, first.step).check is OtpCheck.REUSED


# otpauth URIs ------------------------------------------------------------------------------


def test_the_uri_has_the_forgerock_form() -> None:
    secret = new_totp_secret()
    uri = otpauth_uri(secret, "checker@harbour.example")
    assert uri == (
        f"otpauth://totp/HKEX:checker@harbour.example?secret={secret}"
        "&issuer=HKEX&period=30&digits=6"
    )
    assert parse_otpauth_uri(uri) == (secret, "checker@harbour.example", "HKEX")


def test_the_uri_is_read_by_pyotp_like_an_app_reads_it() -> None:
    secret = new_totp_secret()
    totp = pyotp.parse_uri(otpauth_uri(secret, "maker+test@harbour.example"))
    assert isinstance(totp, pyotp.TOTP)
    assert (totp.secret, totp.name, totp.issuer) == (secret, "maker+test@harbour.example", ISSUER)
    assert (totp.digits, totp.interval) == (6, 30)
    assert totp.at(AT) == totp_code(secret, AT)


ACCOUNT_40 = "a.very-long-user-name@harbour-securities"
assert len(ACCOUNT_40) == 40


def test_a_40_character_account_keeps_the_uri_within_120_characters() -> None:
    uri = otpauth_uri(new_totp_secret(), ACCOUNT_40)
    assert len(uri) <= MAX_URI_LENGTH == 120
    assert "issuer=HKEX" in uri
    assert "period" not in uri  # dropped first: 30 s and 6 digits are the defaults


def test_the_qr_code_of_any_uri_fits_an_80x24_terminal() -> None:
    for account in ("maker@harbour.example", ACCOUNT_40, "x" * 60):
        uri = otpauth_uri(new_totp_secret(), account)
        qr = segno.make(uri, error="L", micro=False, boost_error=False)
        # Version 6 is 41 modules: 21 rows of half blocks, 22 with a one-module border.
        assert int(qr.version) <= 6, (account, len(uri))


SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
accounts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=SURROGATES), min_size=1, max_size=64
)


@given(accounts, st.sampled_from(["HKEX", "HKEX Clearing", "Ä&B=?#/%"]))
def test_uris_round_trip(account: str, issuer: str) -> None:
    secret = new_totp_secret()
    uri = otpauth_uri(secret, account, issuer)
    assert uri.isascii()
    assert " " not in uri
    assert parse_otpauth_uri(uri) == (secret, account, issuer)


@given(st.from_regex(r"\A[a-z0-9.+_-]{1,27}@[a-z0-9-]{1,12}\.example\Z"))
def test_uri_length_tracks_the_account(account: str) -> None:
    uri = otpauth_uri(new_totp_secret(), account)
    encoded = len(quote(account, safe="@"))  # '+' is sent as %2B
    assert uri.endswith("&issuer=HKEX&period=30&digits=6") is (encoded <= 29)
    if encoded <= 48:
        assert len(uri) <= MAX_URI_LENGTH
        assert "&issuer=HKEX" in uri


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("otpauth://hotp/HKEX:a?secret=GEZDGNBV&counter=1", "otpauth://totp/"),
        ("https://totp/HKEX:a?secret=GEZDGNBV", "otpauth://totp/"),
        ("otpauth://totp/HKEX:a", "base32"),
        ("otpauth://totp/HKEX:a?secret=not-base32", "base32"),
        ("otpauth://totp/HKEX:a?secret=GEZDGNBV&period=60", "period=30"),
        ("otpauth://totp/HKEX:a?secret=GEZDGNBV&digits=8", "digits=6"),
        ("otpauth://totp/HKEX:a?secret=GEZDGNBV&algorithm=SHA256", "algorithm=SHA1"),
        ("otpauth://totp/HKEX:a?secret=GEZDGNBV&issuer=Other", "two issuers"),
        ("otpauth://totp/HKEX:?secret=GEZDGNBV", "no account"),
    ],
)
def test_uris_we_cannot_use_are_refused(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_otpauth_uri(uri)


def test_other_forms_of_the_label_are_read() -> None:
    assert parse_otpauth_uri("otpauth://totp/HKEX%3Aalice?secret=GEZDGNBV") == (
        "GEZDGNBV",
        "alice",
        "HKEX",
    )
    assert parse_otpauth_uri("otpauth://totp/HKEX:%20alice?secret=GEZDGNBV")[1] == " alice"
    assert parse_otpauth_uri("otpauth://totp/HKEX: alice?secret=GEZDGNBV")[1] == "alice"
    assert parse_otpauth_uri("otpauth://totp/alice?secret=GEZDGNBV&issuer=HKEX") == (
        "GEZDGNBV",
        "alice",
        "HKEX",
    )
    assert parse_otpauth_uri("otpauth://totp/alice?secret=GEZDGNBV")[2] == ""
    assert parse_otpauth_uri("otpauth://totp/HKEX:a?secret=GEZDGNBV&algorithm=sha1")[0]


@pytest.mark.parametrize(
    ("secret", "account", "issuer"),
    [("lower-case", "a", "HKEX"), ("GEZDGNBV", "", "HKEX"), ("GEZDGNBV", "a", "HK:EX")],
)
def test_otpauth_uri_refuses_what_an_app_could_not_read(
    secret: str, account: str, issuer: str
) -> None:
    with pytest.raises(ValueError):
        otpauth_uri(secret, account, issuer)


# E-mail codes --------------------------------------------------------------------------------


def test_email_codes_are_six_random_digits() -> None:
    codes = {new_email_code() for _ in range(50)}
    assert all(len(code) == 6 and code.isascii() and code.isdigit() for code in codes)
    assert len(codes) > 1


def test_email_codes_match_as_typed() -> None:
    assert codes_match("012345", "012345")
    assert codes_match("012345", " 012 345 ")
    assert not codes_match("012345", "12345")
    assert not codes_match("012345", "012346")
    assert not codes_match("012345", "")
