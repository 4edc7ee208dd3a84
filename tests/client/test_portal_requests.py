"""PortalClient's dashboard calls against httpx.MockTransport: what they send."""

from __future__ import annotations

import json

import httpx

from cc_tui.client.portal import PortalClient

URL = "http://portal.test"

REQUEST = {
    "ref": "ECS00000042",
    "eservice": "CT027",
    "eservice_name": "Change of trading rights",
    "participant_id": "B01234",
    "status": "approved",
    "maker": "maker@harbour.example",
    "updated_at": "2026-11-23T10:00:00+08:00",
    "title": "A title",
    "version": 4,
    "fields": {},
    "attachments": [],
    "comments": [],
    "allowed_actions": [],
}


async def test_list_requests_sends_section_filter_sort_cursor_and_limit() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [], "next_cursor": None, "total": 0})

    async with PortalClient(URL, transport=httpx.MockTransport(handler)) as portal:
        page = await portal.list_requests(
            "awaiting_my_check", q="status:returned", sort="-ref", cursor="abc", limit=50
        )
        await portal.list_requests("all")
    assert page.total == 0 and not page.total_is_estimate
    params = seen[0].url.params
    assert dict(params) == {
        "section": "awaiting_my_check",
        "q": "status:returned",
        "sort": "-ref",
        "cursor": "abc",
        "limit": "50",
    }
    assert dict(seen[1].url.params) == {"section": "all", "limit": "50"}


async def test_a_typed_reference_stays_one_path_segment() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=REQUEST)

    async with PortalClient(URL, transport=httpx.MockTransport(handler)) as portal:
        await portal.get_request("../admin/users")
    assert seen[0].url.raw_path == b"/api/v1/requests/..%2Fadmin%2Fusers"


async def test_act_posts_the_version_seen_with_an_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=REQUEST)

    async with PortalClient(URL, transport=httpx.MockTransport(handler)) as portal:
        result = await portal.act("ECS00000042", "approve", 3)
    assert result.version == 4
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/api/v1/requests/ECS00000042/actions/approve"
    assert json.loads(request.content) == {"version": 3}
    assert request.headers["Idempotency-Key"]


async def test_notifications_since_reads_the_list() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = {
            "id": 5,
            "kind": "returned_to_me",
            "ref": "ECS00000042",
            "status": "returned",
            "at": "2026-11-23T10:00:00+08:00",
        }
        return httpx.Response(200, json=[item])

    async with PortalClient(URL, transport=httpx.MockTransport(handler)) as portal:
        notices = await portal.notifications(since=4)
    assert [n.id for n in notices] == [5]
    assert seen[0].url.params["since"] == "4"
