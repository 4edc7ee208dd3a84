"""PortalClient against httpx.MockTransport: what it sends, what it returns, how it fails."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from cc_tui.api.auth import LoginResponse, Session
from cc_tui.client.errors import PortalError, PortalUnreachable, SessionExpired
from cc_tui.client.portal import PortalClient

URL = "http://portal.test"
Handler = Callable[[httpx.Request], httpx.Response]

SESSION = {
    "token": "tok-123",
    "expires_at": "2026-11-23T10:30:00+08:00",
    "user": {
        "user_id": "maker@harbour.example",
        "name": "Mary Maker",
        "roles": ["maker"],
        "memberships": [{"participant_id": "B01234", "name": "Harbour Securities", "kind": "SEHK"}],
        "otp_channel": "email",
    },
}


def problem(status: int, code: str, detail: str, fix: str | None = None, **headers: str) -> Handler:
    body = {"type": "about:blank", "title": "t", "status": status, "code": code, "detail": detail}
    if fix:
        body["fix"] = fix

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            content=json.dumps(body),
            headers={"content-type": "application/problem+json", **headers},
        )

    return handler


def client(
    handler: Handler, token: str | None = None, participant_id: str | None = None
) -> PortalClient:
    transport = httpx.MockTransport(handler)
    return PortalClient(URL, transport=transport, token=token, participant_id=participant_id)


async def test_login_posts_the_credentials_and_returns_the_ticket() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"ticket": "t1", "otp_channel": "email", "device_registration": "none"}
        )

    async with client(handler) as portal:
        answer = await portal.login("maker@harbour.example", "Demo-pass-2024")
    assert answer == LoginResponse(ticket="t1", otp_channel="email", device_registration="none")
    (request,) = seen
    assert request.method == "POST"
    assert request.url.path == "/api/v1/auth/login"
    assert json.loads(request.content) == {
        "user_id": "maker@harbour.example",
        "password": "Demo-pass-2024",
    }
    assert len(request.headers["Idempotency-Key"]) == 36
    assert "Authorization" not in request.headers


async def test_a_base_url_with_the_api_prefix_is_not_doubled() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json={"status": "ok"})

    portal = PortalClient(f"{URL}/api/v1/", transport=httpx.MockTransport(handler))
    await portal.health()
    await portal.aclose()
    assert paths == ["/api/v1/health"]


async def test_the_servers_detail_and_fix_arrive_unchanged() -> None:
    handler = problem(
        401,
        "invalid_credentials",
        "The user ID or password is not right.",
        "Check both and try again; 5 failures lock the account.",
    )
    async with client(handler) as portal:
        with pytest.raises(PortalError) as caught:
            await portal.login("maker@harbour.example", "wrong")
    error = caught.value
    assert (error.status, error.code) == (401, "invalid_credentials")
    assert error.detail == "The user ID or password is not right."
    assert error.fix == "Check both and try again; 5 failures lock the account."
    assert str(error) == f"{error.detail} {error.fix}"
    assert not isinstance(error, SessionExpired)


async def test_a_rate_limited_resend_says_how_long_to_wait() -> None:
    handler = problem(429, "rate_limited", "A code was sent moments ago.", **{"Retry-After": "27"})
    async with client(handler) as portal:
        with pytest.raises(PortalError) as caught:
            await portal.send_email_otp("t1")
    assert caught.value.code == "rate_limited"
    assert caught.value.retry_after == 27


async def test_an_expired_session_is_its_own_exception() -> None:
    handler = problem(401, "session_expired", "Your session has expired.", "Log in again.")
    async with client(handler, token="old") as portal:
        with pytest.raises(SessionExpired) as caught:
            await portal.me()
    assert caught.value.session_expired


async def test_field_errors_are_kept() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            422,
            json={
                "title": "Invalid input",
                "status": 422,
                "code": "validation_failed",
                "detail": "Some of what was sent is not valid.",
                "errors": [{"field": "new_password", "message": "too short", "fix": "Use 12+"}],
            },
            headers={"content-type": "application/problem+json"},
        )

    async with client(handler, token="t") as portal:
        with pytest.raises(PortalError) as caught:
            await portal.change_password("a", "b")
    (field,) = caught.value.errors
    assert (field.field, field.message, field.fix) == ("new_password", "too short", "Use 12+")


async def test_an_answer_that_is_not_a_problem_still_gives_a_clear_error() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad gateway</html>")

    async with client(handler) as portal:
        with pytest.raises(PortalError) as caught:
            await portal.service_status()
    assert caught.value.status == 502
    assert "502" in caught.value.detail
    assert caught.value.fix


async def test_an_answer_off_the_contract_is_a_clear_error() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hello": "world"})

    async with client(handler) as portal:
        with pytest.raises(PortalError) as caught:
            await portal.service_status()
    assert caught.value.code == "bad_response"
    assert "does not understand" in caught.value.message


async def test_a_lone_surrogate_from_the_portal_is_read_not_refused() -> None:
    """pydantic's JSON reader refuses a lone surrogate escape; the client reads the answer
    anyway (the screens show it as a mark), so a hostile value does not hide a request."""
    raw = json.dumps(SESSION["user"]).replace("Mary Maker", "Mary\\ud800Maker")

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=raw, headers={"content-type": "application/json"})

    async with client(handler, token="tok-123") as portal:
        session = await portal.me()
    assert session.name == "Mary\ud800Maker"


async def test_nan_from_the_portal_is_still_refused() -> None:
    raw = json.dumps(SESSION["user"]).replace('"Mary Maker"', '"Mary\\ud800"')
    raw = raw.replace('"email"', "NaN")

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=raw, headers={"content-type": "application/json"})

    async with client(handler) as portal:
        with pytest.raises(PortalError) as caught:
            await portal.me()
    assert caught.value.code == "bad_response"


async def test_a_dropped_post_is_retried_once_with_the_same_idempotency_key() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            raise httpx.RemoteProtocolError("connection dropped", request=request)
        return httpx.Response(200, json=SESSION)

    async with client(handler) as portal:
        session = await portal.verify_otp("t1", "123456")
    assert isinstance(session, Session)
    assert len(keys) == 2
    assert keys[0] == keys[1]


async def test_a_callers_idempotency_key_is_sent_as_given() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        return httpx.Response(204)

    async with client(handler) as portal:
        await portal._request("POST", "/requests/ECS00000001/actions/submit", idempotency_key="k1")
        await portal._request("POST", "/requests/ECS00000001/actions/submit", idempotency_key="k1")
    assert keys == ["k1", "k1"]


async def test_a_patch_without_a_key_is_not_retried() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadError("dropped", request=request)

    async with client(handler) as portal:
        with pytest.raises(PortalUnreachable):
            await portal._request("PATCH", "/requests/ECS00000001", json={"version": 1})
    assert len(calls) == 1


async def test_a_portal_that_never_answers_is_unreachable_after_one_retry() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    async with client(handler) as portal:
        with pytest.raises(PortalUnreachable) as caught:
            await portal.me()
    assert len(calls) == 2
    message = caught.value.message
    assert message.startswith(f"Cannot reach the portal at {URL}.")
    assert "press r to retry" in message


async def test_a_slow_portal_says_it_did_not_answer_in_time() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with client(handler) as portal:
        with pytest.raises(PortalUnreachable) as caught:
            await portal.service_status()
    assert caught.value.timed_out
    assert "did not answer in time" in caught.value.message


async def test_a_real_closed_port_is_unreachable() -> None:
    async with PortalClient("http://127.0.0.1:9", timeout=2) as portal:
        with pytest.raises(PortalUnreachable):
            await portal.health()


async def test_after_the_otp_the_token_and_membership_go_on_every_call() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/auth/otp"):
            return httpx.Response(200, json=SESSION)
        if request.url.path.endswith("/auth/logout"):
            return httpx.Response(204)
        return httpx.Response(200, json=SESSION["user"])

    async with client(handler, participant_id="B01234") as portal:
        await portal.verify_otp("t1", " 123456 ")
        user = await portal.me()
        await portal.logout()
        assert portal.token is None
    assert user.name == "Mary Maker"
    assert json.loads(seen[0].content) == {"ticket": "t1", "code": "123456"}
    assert seen[1].headers["Authorization"] == "Bearer tok-123"
    assert seen[1].headers["X-Participant-ID"] == "B01234"
    assert seen[2].url.path == "/api/v1/auth/logout"


async def test_logout_of_an_already_expired_session_is_quiet() -> None:
    handler = problem(401, "session_expired", "Your session has expired.")
    async with client(handler, token="old") as portal:
        await portal.logout()
        assert portal.token is None


@pytest.mark.parametrize(
    ("user_id", "password", "expected"),
    [
        ("", "x", "user_id: this field is empty"),
        ("a" * 255, "x", "user_id: longer than 254 characters"),
        ("a", "", "password: this field is empty"),
    ],
)
async def test_bad_fields_are_refused_before_any_request(
    user_id: str, password: str, expected: str
) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    async with client(handler) as portal:
        with pytest.raises(PortalError) as caught:
            await portal.login(user_id, password)
    assert calls == []
    assert caught.value.status == 422
    assert expected in caught.value.detail


def test_importing_the_client_does_not_import_textual() -> None:
    code = (
        "import sys, cc_tui.client.portal, cc_tui.client.errors, cc_tui.api.auth;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("sent", "read"), [("fr", "en"), ("zh-Hans", "en"), ("zh-HK", "zh-Hant"), ("x" * 5000, "en")]
)
async def test_a_language_this_cc_tui_does_not_know_reads_as_english(sent: str, read: str) -> None:
    # A newer portal may offer a third language: an older cc-tui still logs in, in English,
    # instead of calling the whole answer one it does not understand.
    user = {**SESSION["user"], "language": sent}  # type: ignore[dict-item]

    async with client(lambda _: httpx.Response(200, json=user), token="tok-123") as portal:
        me = await portal.me()
    assert me.user_id == "maker@harbour.example"
    assert me.language == read
