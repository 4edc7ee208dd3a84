"""Several memberships, one login (issue 16): every endpoint on requests, eServices,
auto-fill, notices and accounts acts for the membership in X-Participant-ID.

lead@harbour.example holds B01234 (maker and checker) and C01234 (maker only, of the
clearing forms); admin@harbour.example is CCDA of both. Each request endpoint is tried
on a request of each membership while acting for each, and with a membership the user
does not hold (another firm's, a forged one, one taken away since login): those are 403
`forbidden` with a detail, and nothing is read or changed. Every action is tried on a
request awaiting check in each membership (lead@ approves in B01234, not in C01234), and
the lists, counts and new requests under a membership not held. The app's route table
says which request endpoints there are: one without a row here fails.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from cc_tui.api import API_PREFIX
from cc_tui.domain.workflow import USER_ACTIONS
from cc_tui.server.store import users
from tests.server.attachment_corpus import minimal_pdf
from tests.server.request_helpers import (
    ADMIN,
    CHECKER,
    LEAD,
    MAKER,
    act,
    context_of,
    create,
    good_values,
    headers_for,
)

EXCHANGE = "B01234"
CLEARING = "C01234"
FORM = {EXCHANGE: "CT027", CLEARING: "BI01"}  # BI01: a clearing form
IRIS = "iris.tam@harbour.example"  # a checker of C01234 made for these tests


def _name(ref: str, pid: str) -> str:
    return f"Supporting Document_{ref}_{pid}.pdf"


class Harbour:
    """A draft of lead@ in each membership, each with one attachment."""

    def __init__(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        self.app = app
        self.api = api
        self.drafts: dict[str, dict[str, Any]] = {}
        self.attachments: dict[str, str] = {}

    def lead(self, pid: str | None) -> dict[str, str]:
        return headers_for(self.app, LEAD, pid)

    async def make(self) -> None:
        for pid, code in FORM.items():
            draft = await create(self.api, self.lead(pid), code, good_values(self.app, code, pid))
            assert draft["participant_id"] == pid
            upload = await self.api.post(
                f"/requests/{draft['ref']}/attachments",
                files={"file": (_name(draft["ref"], pid), minimal_pdf(), "application/pdf")},
                headers=self.lead(pid),
            )
            assert upload.status_code == 201, upload.text
            self.attachments[pid] = upload.json()["id"]
            fresh = await self.api.get(f"/requests/{draft['ref']}", headers=self.lead(pid))
            self.drafts[pid] = fresh.json()

    def stored(self) -> list[tuple[object, ...]]:
        """Everything a refused call must leave as it was."""
        conn = context_of(self.app).db.connect()
        rows = [
            tuple(r)
            for r in conn.execute(
                "SELECT id, status, version, fields, updated_at FROM requests ORDER BY id"
            )
        ]
        rows += [tuple(r) for r in conn.execute("SELECT count(*) FROM request_audit")]
        rows += [tuple(r) for r in conn.execute("SELECT id FROM attachments ORDER BY id")]
        rows += [tuple(r) for r in conn.execute("SELECT count(*) FROM idempotency_keys")]
        return rows


@pytest.fixture
async def harbour(app: FastAPI, api: httpx.AsyncClient) -> Harbour:
    made = Harbour(app, api)
    await made.make()
    return made


# Every request endpoint, as (name, method, path, body or None); {ref} and {att} are filled
# in with the request (and its attachment) of the membership under test.
ENDPOINTS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("read", "GET", "/requests/{ref}", None),
    ("patch", "PATCH", "/requests/{ref}", {"fields": {}}),
    ("validate", "POST", "/requests/{ref}/validate", {"fields": {}}),
    ("submit", "POST", "/requests/{ref}/actions/submit", {}),
    ("discard", "POST", "/requests/{ref}/actions/discard", {}),
    ("audit", "GET", "/requests/{ref}/audit", None),
    ("audit_verify", "GET", "/requests/{ref}/audit/verify", None),
    ("audit_pdf", "GET", "/requests/{ref}/audit.pdf", None),
    ("upload", "POST", "/requests/{ref}/attachments", None),
    ("download", "GET", "/requests/{ref}/attachments/{att}", None),
    ("delete_attachment", "DELETE", "/requests/{ref}/attachments/{att}", None),
]
WRITES = {"patch", "submit", "discard", "upload", "delete_attachment"}
OK = {"upload": 201, "delete_attachment": 204}


async def _call(
    harbour: Harbour,
    endpoint: tuple[str, str, str, dict[str, Any] | None],
    of: str,
    headers: dict[str, str],
) -> httpx.Response:
    name, method, path, body = endpoint
    draft = harbour.drafts[of]
    url = path.format(ref=draft["ref"], att=harbour.attachments[of])
    if name == "upload":
        return await harbour.api.post(
            url,
            files={"file": (_name(draft["ref"], of)[:-4] + "_02.pdf", minimal_pdf(), "x/y")},
            headers=headers | {"Idempotency-Key": f"up-{of}-{len(headers)}"},
        )
    if body is not None and name != "validate":
        body = body | {"version": draft["version"]}
    return await harbour.api.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
@pytest.mark.parametrize("acting", [EXCHANGE, CLEARING])
async def test_each_request_endpoint_acts_for_the_membership_in_the_header(
    harbour: Harbour, endpoint: tuple[str, str, str, dict[str, Any] | None], acting: str
) -> None:
    other = CLEARING if acting == EXCHANGE else EXCHANGE
    # The other membership's request is unknown here (404), and stays as it was.
    before = harbour.stored()
    response = await _call(harbour, endpoint, other, harbour.lead(acting))
    assert response.status_code == 404, (endpoint[0], response.text)
    assert response.json()["code"] == "not_found"
    assert harbour.stored() == before
    # Its own request answers as it does for a user with one membership.
    response = await _call(harbour, endpoint, acting, harbour.lead(acting))
    assert response.status_code == OK.get(endpoint[0], 200), (endpoint[0], response.text)
    if endpoint[0] == "read":
        assert response.json()["participant_id"] == acting


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
@pytest.mark.parametrize(
    "header",
    ["B05678", "X99999", "../B01234", "b0123" + "4" * 300],
    ids=["another-firm", "forged", "malformed", "long"],
)
async def test_a_membership_not_held_is_403_and_nothing_is_read_or_changed(
    harbour: Harbour, endpoint: tuple[str, str, str, dict[str, Any] | None], header: str
) -> None:
    for of in (EXCHANGE, CLEARING):
        before = harbour.stored()
        response = await _call(
            harbour, endpoint, of, harbour.lead(None) | {"X-Participant-ID": header}
        )
        assert response.status_code == 403, (endpoint[0], response.text)
        problem = response.json()
        assert problem["code"] == "forbidden"
        assert problem["detail"] and problem["fix"]
        assert "B01234" in problem["fix"] and "C01234" in problem["fix"]
        assert len(problem["detail"]) < 200  # a long header is never echoed back
        assert harbour.drafts[of]["ref"] not in response.text
        assert harbour.stored() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/requests?section=all"),
        ("GET", "/requests/sections"),
        ("POST", "/requests"),
        ("GET", "/eservices"),
        ("GET", "/eservices/BI01"),
        ("GET", "/eservices/BI01/autofill"),
        ("GET", "/notifications"),
        ("GET", "/notifications/stream"),
        ("GET", "/admin/users"),
        ("GET", "/me"),
    ],
)
async def test_a_membership_lost_since_login_is_refused_at_once(
    harbour: Harbour, method: str, path: str
) -> None:
    user = ADMIN if path.startswith("/admin") else LEAD
    headers = headers_for(harbour.app, user, CLEARING)
    if method == "GET" and path != "/notifications/stream":  # an allowed stream never ends
        allowed = await harbour.api.get(path, headers=headers)
        assert allowed.status_code == 200, allowed.text
    context = context_of(harbour.app)
    with context.db.transaction() as conn:
        conn.execute(
            "DELETE FROM user_memberships WHERE user_id = ? AND participant_id = ?",
            (user, CLEARING),
        )
    before = harbour.stored()
    body = {"eservice": "BI01", "fields": {}} if method == "POST" else None
    response = await harbour.api.request(method, path, headers=headers, json=body)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert "C01234" in response.json()["detail"]
    assert harbour.stored() == before
    # The same session still acts for the membership it holds.
    headers["X-Participant-ID"] = EXCHANGE
    assert (await harbour.api.get("/me", headers=headers)).is_success


async def test_lists_and_counts_are_of_the_acting_membership(harbour: Harbour) -> None:
    for acting in (EXCHANGE, CLEARING):
        page = await harbour.api.get(
            "/requests", params={"section": "my_drafts"}, headers=harbour.lead(acting)
        )
        assert page.status_code == 200
        refs = {item["ref"] for item in page.json()["items"]}
        assert refs == {harbour.drafts[acting]["ref"]}
        assert {item["participant_id"] for item in page.json()["items"]} == {acting}
        counts = (await harbour.api.get("/requests/sections", headers=harbour.lead(acting))).json()
        assert counts["my_drafts"] == 1
    # With no header: the first membership.
    page = await harbour.api.get(
        "/requests", params={"section": "my_drafts"}, headers=harbour.lead(None)
    )
    assert [i["ref"] for i in page.json()["items"]] == [harbour.drafts[EXCHANGE]["ref"]]


async def test_the_catalogue_and_auto_fill_follow_the_membership(harbour: Harbour) -> None:
    exchange = await harbour.api.get("/eservices", headers=harbour.lead(EXCHANGE))
    clearing = await harbour.api.get("/eservices", headers=harbour.lead(CLEARING))
    codes = {e["code"] for e in exchange.json()}, {e["code"] for e in clearing.json()}
    assert {"CT027", "TH01", "BI01"} <= codes[0]
    assert "BI01" in codes[1] and not {"CT027", "TH01"} & codes[1]
    for pid in (EXCHANGE, CLEARING):
        filled = await harbour.api.get("/eservices/BI01/autofill", headers=harbour.lead(pid))
        assert pid in filled.json().values()
    # A trading form is not the clearing membership's to make.
    refused = await harbour.api.post(
        "/requests",
        json={"eservice": "CT027", "fields": {}},
        headers=harbour.lead(CLEARING),
    )
    assert refused.status_code == 403
    assert "C01234" in refused.json()["detail"] or "membership" in refused.json()["detail"]


async def test_rights_are_per_membership(harbour: Harbour, app: FastAPI) -> None:
    """lead@ checks in B01234 but not in C01234: a C01234 request awaiting check is not
    its to approve there, and is unknown while acting for B01234."""
    context = context_of(app)
    with context.db.transaction() as conn:
        users.create_user(conn, IRIS, "Iris Tam", context.now())
        users.add_membership(conn, IRIS, CLEARING)
        users.grant_rights(conn, IRIS, CLEARING, ["EU_BuyInExemption", "EU_BuyInExemptionApproval"])
    iris = headers_for(app, IRIS)
    made = await create(harbour.api, iris, "BI01", good_values(app, "BI01", CLEARING))
    submitted = (await act(harbour.api, iris, made, "submit")).json()
    assert submitted["status"] == "pending_checker"
    lead_c = await harbour.api.get(f"/requests/{made['ref']}", headers=harbour.lead(CLEARING))
    assert lead_c.status_code == 200
    assert "approve" not in lead_c.json()["allowed_actions"]
    refused = await act(harbour.api, harbour.lead(CLEARING), submitted, "approve")
    assert refused.status_code == 403
    unknown = await act(harbour.api, harbour.lead(EXCHANGE), submitted, "approve")
    assert unknown.status_code == 404
    sections = await harbour.api.get("/requests/sections", headers=harbour.lead(CLEARING))
    assert sections.json()["awaiting_my_check"] == 0
    # In B01234 lead@ is a checker: a request of maker@ there is its to approve.
    maker = headers_for(app, MAKER)
    other = await create(harbour.api, maker, "CT027", good_values(app, "CT027"))
    pending = (await act(harbour.api, maker, other, "submit")).json()
    approved = await act(harbour.api, harbour.lead(EXCHANGE), pending, "approve")
    assert approved.status_code == 200, approved.text


async def test_notices_of_every_membership_arrive_naming_it(harbour: Harbour, app: FastAPI) -> None:
    """lead@ gets the task notices of both memberships on one list, whichever it acts for."""
    maker = headers_for(app, MAKER)
    made = await create(harbour.api, maker, "CT027", good_values(app, "CT027"))
    await act(harbour.api, maker, made, "submit")  # awaits lead@'s check in B01234
    context = context_of(app)
    with context.db.transaction() as conn:
        users.create_user(conn, IRIS, "Iris Tam", context.now())
        users.add_membership(conn, IRIS, CLEARING)
        users.grant_rights(conn, IRIS, CLEARING, ["EU_BuyInExemption", "EU_BuyInExemptionApproval"])
    draft = harbour.drafts[CLEARING]
    pending = (await act(harbour.api, harbour.lead(CLEARING), draft, "submit")).json()
    returned = await act(harbour.api, headers_for(app, IRIS), pending, "return", "Fix the date.")
    assert returned.status_code == 200, returned.text
    for acting in (EXCHANGE, CLEARING, None):
        listed = await harbour.api.get("/notifications", headers=harbour.lead(acting))
        assert listed.status_code == 200
        seen = {(n["ref"], n["kind"], n["participant_id"]) for n in listed.json()}
        assert (made["ref"], "awaiting_my_check", EXCHANGE) in seen
        assert (draft["ref"], "returned_to_me", CLEARING) in seen


async def test_the_ccda_manages_the_users_of_the_acting_membership(
    harbour: Harbour, app: FastAPI
) -> None:
    listed = {}
    for pid in (EXCHANGE, CLEARING):
        answer = await harbour.api.get("/admin/users", headers=headers_for(app, ADMIN, pid))
        assert answer.status_code == 200, answer.text
        listed[pid] = {u["user_id"] for u in answer.json()}
    assert {MAKER, CHECKER, LEAD} <= listed[EXCHANGE]
    assert LEAD in listed[CLEARING] and not {MAKER, CHECKER} & listed[CLEARING]
    # A user made while acting for C01234 belongs to C01234 only.
    made = await harbour.api.post(
        "/admin/users",
        json={"user_id": "nina.lo@harbour.example", "name": "Nina Lo", "rights": []},
        headers=headers_for(app, ADMIN, CLEARING) | {"Idempotency-Key": "nina-1"},
    )
    assert made.status_code == 201, made.text
    conn = context_of(app).db.connect()
    held = [m.participant_id for m in users.memberships(conn, "nina.lo@harbour.example")]
    assert held == [CLEARING]
    # B01234's maker is not C01234's to suspend.
    refused = await harbour.api.patch(
        f"/admin/users/{MAKER}",
        json={"status": "suspended"},
        headers=headers_for(app, ADMIN, CLEARING),
    )
    assert refused.status_code == 404
    maker = users.get_user(conn, MAKER)
    assert maker is not None and maker.active
    # lead@ is no CCDA in either membership.
    for pid in (EXCHANGE, CLEARING):
        answer = await harbour.api.get("/admin/users", headers=harbour.lead(pid))
        assert answer.status_code == 403


async def test_me_names_the_roles_of_each_membership(harbour: Harbour) -> None:
    me = (await harbour.api.get("/me", headers=harbour.lead(CLEARING))).json()
    roles = {m["participant_id"]: (m["kind"], m["roles"]) for m in me["memberships"]}
    assert roles[EXCHANGE] == ("exchange_participant", ["maker", "checker"])
    assert roles[CLEARING] == ("clearing_participant", ["maker"])
    assert me["roles"] == ["maker"]


# The actions (POST /requests/{ref}/actions/{action}) on a request awaiting check in each
# membership, made by someone else: lead@ checks in B01234 but only makes in C01234.
# What lead@ gets for its own membership's request; the other's is 404, a foreign one 403.
ACTION_ANSWERS: dict[str, dict[str, int]] = {
    "submit": {EXCHANGE: 409, CLEARING: 409},  # not a draft any more
    "approve": {EXCHANGE: 200, CLEARING: 403},  # a checker in B01234 only
    "return": {EXCHANGE: 200, CLEARING: 403},
    "reject": {EXCHANGE: 200, CLEARING: 403},
    "withdraw": {EXCHANGE: 403, CLEARING: 403},  # the maker's, not lead@'s
    "discard": {EXCHANGE: 409, CLEARING: 409},
    "complete": {EXCHANGE: 409, CLEARING: 409},  # not at the exchange's stage yet
}
# Lists, counts and a new request: the membership is all they have to go on.
MEMBERSHIP_WIDE: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/requests?section=all", None),
    ("GET", "/requests/sections", None),
    ("POST", "/requests", {"eservice": "BI01", "fields": {}}),
]
FOREIGN = ["B05678", "X99999", "../B01234", "b0123" + "4" * 300]
FOREIGN_IDS = ["another-firm", "forged", "malformed", "long"]


def test_every_request_route_is_tried_under_both_memberships(app: FastAPI) -> None:
    """A request endpoint added later without a row here fails this test."""
    covered = {(method, path.split("?")[0]) for method, path, _ in MEMBERSHIP_WIDE}
    covered |= {
        (method, path.replace("{att}", "{attachment_id}")) for _, method, path, _ in ENDPOINTS
    }
    covered.add(("POST", "/requests/{ref}/actions/{action}"))
    routes = {
        (method, str(context.path_format).removeprefix(API_PREFIX))
        for context in iter_route_contexts(app.routes)
        for method in context.methods or ()
        if method != "HEAD" and str(context.path_format).startswith(f"{API_PREFIX}/requests")
    }
    assert routes - covered == set(), "request routes without a membership row"
    assert set(ACTION_ANSWERS) == {action.value for action in USER_ACTIONS}


class Pending:
    """A request awaiting check in each membership: maker@'s in B01234, iris@'s (maker
    and checker of C01234, made here) in C01234."""

    def __init__(self, harbour: Harbour) -> None:
        self.harbour = harbour
        self.requests: dict[str, dict[str, Any]] = {}

    async def make(self) -> None:
        app, api = self.harbour.app, self.harbour.api
        context = context_of(app)
        with context.db.transaction() as conn:
            users.create_user(conn, IRIS, "Iris Tam", context.now())
            users.add_membership(conn, IRIS, CLEARING)
            users.grant_rights(
                conn, IRIS, CLEARING, ["EU_BuyInExemption", "EU_BuyInExemptionApproval"]
            )
        for pid, who in ((EXCHANGE, MAKER), (CLEARING, IRIS)):
            made = await create(
                api, headers_for(app, who), FORM[pid], good_values(app, FORM[pid], pid)
            )
            submitted = await act(api, headers_for(app, who), made, "submit")
            assert submitted.json()["status"] == "pending_checker", submitted.text
            self.requests[pid] = submitted.json()


@pytest.fixture
async def pending(harbour: Harbour) -> Pending:
    made = Pending(harbour)
    await made.make()
    return made


@pytest.mark.parametrize("action", sorted(ACTION_ANSWERS))
@pytest.mark.parametrize("acting", [EXCHANGE, CLEARING])
async def test_each_action_acts_for_the_membership_in_the_header(
    harbour: Harbour, pending: Pending, action: str, acting: str
) -> None:
    other = CLEARING if acting == EXCHANGE else EXCHANGE
    comment = "Please check the quantity." if action in ("return", "reject") else None
    before = harbour.stored()
    unknown = await act(harbour.api, harbour.lead(acting), pending.requests[other], action, comment)
    assert unknown.status_code == 404, (action, unknown.text)
    assert unknown.json()["code"] == "not_found"
    assert harbour.stored() == before
    answer = await act(harbour.api, harbour.lead(acting), pending.requests[acting], action, comment)
    assert answer.status_code == ACTION_ANSWERS[action][acting], (action, answer.text)
    if answer.is_success:
        assert answer.json()["participant_id"] == acting
    else:
        assert harbour.stored() == before


@pytest.mark.parametrize("action", sorted(ACTION_ANSWERS))
@pytest.mark.parametrize("header", FOREIGN, ids=FOREIGN_IDS)
async def test_an_action_under_a_membership_not_held_is_403_and_changes_nothing(
    harbour: Harbour, pending: Pending, action: str, header: str
) -> None:
    comment = "Please check the quantity." if action in ("return", "reject") else None
    for of in (EXCHANGE, CLEARING):
        before = harbour.stored()
        response = await act(
            harbour.api,
            harbour.lead(None) | {"X-Participant-ID": header},
            pending.requests[of],
            action,
            comment,
        )
        assert response.status_code == 403, (action, response.text)
        assert response.json()["code"] == "forbidden"
        assert pending.requests[of]["ref"] not in response.text
        assert harbour.stored() == before


@pytest.mark.parametrize(
    ("method", "path", "body"), MEMBERSHIP_WIDE, ids=["list", "counts", "create"]
)
@pytest.mark.parametrize("header", FOREIGN, ids=FOREIGN_IDS)
async def test_lists_counts_and_new_requests_under_a_membership_not_held_are_403(
    harbour: Harbour, method: str, path: str, body: dict[str, Any] | None, header: str
) -> None:
    before = harbour.stored()
    response = await harbour.api.request(
        method, path, json=body, headers=harbour.lead(None) | {"X-Participant-ID": header}
    )
    assert response.status_code == 403, response.text
    problem = response.json()
    assert problem["code"] == "forbidden" and problem["detail"]
    assert "B01234" in problem["fix"] and "C01234" in problem["fix"]
    assert not any(harbour.drafts[pid]["ref"] in response.text for pid in FORM)
    assert harbour.stored() == before
