"""GET /requests and /requests/sections against a seeded store, checked by an oracle.

Every section for a maker, a checker, a maker-and-checker, another firm's user and an
exchange officer; every filter field, negation, quotes and words; every sort; paging in
small pages that must neither skip nor repeat a row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain.query import parse_query
from cc_tui.domain.sections import Section, Sort
from cc_tui.domain.workflow import Status
from cc_tui.server.store import memo, request_criteria, request_planner
from tests.server.requests_read_helpers import (
    ADMIN,
    CHECKER,
    KOWLOON,
    LEAD,
    MAKER,
    OFFICER,
    Record,
    all_refs,
    expected,
    headers_for,
    in_process,
    reader,
    records,
    seeded_portal,
)

USERS = (MAKER, CHECKER, LEAD, ADMIN, KOWLOON, OFFICER)


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app = seeded_portal(tmp_path_factory, "lists", seed_random=11)
    yield app
    app.state.context.db.close()


@pytest.fixture(scope="module")
def everything(seeded_app: FastAPI) -> list[Record]:
    return records(seeded_app)


@pytest.fixture
async def api(seeded_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(seeded_app) as client:
        yield client


@pytest.fixture(autouse=True)
def worked_out_anew(seeded_app: FastAPI) -> Iterator[None]:
    """Each test works its answers out anew: some change the planner's thresholds, with
    which the answers and plans kept until the store changes (memo.py) were worked out,
    and every plan must give its own answer."""
    kept = seeded_app.state.context.db.connect()
    memo.forget(kept)
    yield
    memo.forget(kept)


@pytest.mark.parametrize("user_id", USERS)
async def test_section_counts_are_exact_for_every_user(
    api: httpx.AsyncClient, seeded_app: FastAPI, everything: list[Record], user_id: str
) -> None:
    who = reader(seeded_app, user_id)
    response = await api.get("/requests/sections", headers=headers_for(seeded_app, user_id))
    assert response.status_code == 200
    counts = response.json()
    empty = parse_query("")
    for section in Section:
        wanted = expected(everything, who, section, empty, Sort.UPDATED_DESC)
        assert counts[section.value] == len(wanted), section


@pytest.mark.parametrize("user_id", USERS)
@pytest.mark.parametrize("section", list(Section))
async def test_every_section_pages_out_exactly_its_requests(
    api: httpx.AsyncClient,
    seeded_app: FastAPI,
    everything: list[Record],
    user_id: str,
    section: Section,
) -> None:
    who = reader(seeded_app, user_id)
    headers = headers_for(seeded_app, user_id)
    wanted = expected(everything, who, section, parse_query(""), Sort.UPDATED_DESC)
    got = await all_refs(api, headers, section=section.value, limit=200)
    assert got == wanted


async def test_sections_differ_by_role(api: httpx.AsyncClient, seeded_app: FastAPI) -> None:
    counts = {
        user: (await api.get("/requests/sections", headers=headers_for(seeded_app, user))).json()
        for user in USERS
    }
    assert counts[CHECKER]["awaiting_my_check"] > 0
    assert counts[MAKER]["awaiting_my_check"] == 0  # holds no check right
    assert counts[CHECKER]["my_drafts"] == counts[CHECKER]["submitted_by_me"] == 0
    assert counts[MAKER]["my_drafts"] > 0 and counts[MAKER]["submitted_by_me"] > 0
    assert counts[LEAD]["awaiting_my_check"] < counts[CHECKER]["awaiting_my_check"] + 1
    assert counts[OFFICER]["awaiting_my_check"] > 0
    assert counts[OFFICER]["my_drafts"] == 0
    assert counts[KOWLOON]["all"] < counts[CHECKER]["all"]  # each firm its own


FILTERS = (
    "status:returned",
    'status:"pending checker"',
    "status:draft status:returned",
    "!status:draft",
    "!status:completed !status:approved",
    "eservice:CT027",
    "eservice:ct027 eservice:DA3",
    "!eservice:CT027",
    "eservice:CA01 status:completed",
    "maker:lead@harbour.example",
    "maker:amy",
    "maker:AMY.CHAN@harbour.example",
    "!maker:maker@harbour.example",
    "maker:nobody@nowhere.example",
    "ref:ECS00000",
    "ref:ECS0000012",
    "!ref:ECS000001",
    "from:2026-01-01",
    "to:2025-06-30",
    "from:2026-10-01 to:2026-11-30",
    "from:2026-11-23 to:2026-11-23 status:draft",
    "dividend",
    "Dividend claim",
    '"cash dividend"',
    '"dividend cash"',
    "!dividend",
    "buy-in 00700",
    "00700 !exemption",
    "divid",
    "signatories chan",
    "harbour",
    "kowloon",
    "ECS0000010",
    "!ECS000001",
    "ecs00000123",
    "-",
    "maker:lead status:returned !eservice:DA3 from:2026-11-01",
    "firm:B01234",
    "firm:b05678",
    "!firm:B01234",
    "firm:B05678 firm:C01234 status:completed",
    "firm:C01234 dividend",
    "counterparty",
    '"board resolution"',
    "duplic",
    "!duplicate status:rejected",
    "area code status:returned",
)


@pytest.mark.parametrize("text", FILTERS)
@pytest.mark.parametrize("user_id", [LEAD, OFFICER])
async def test_every_filter_matches_what_the_grammar_says(
    api: httpx.AsyncClient,
    seeded_app: FastAPI,
    everything: list[Record],
    text: str,
    user_id: str,
) -> None:
    who = reader(seeded_app, user_id)
    headers = headers_for(seeded_app, user_id)
    wanted = expected(everything, who, Section.ALL, parse_query(text), Sort.UPDATED_DESC)
    got = await all_refs(api, headers, q=text, limit=200)
    assert got == wanted


async def test_the_filters_find_something_and_narrow(
    api: httpx.AsyncClient, seeded_app: FastAPI
) -> None:
    headers = headers_for(seeded_app, LEAD)

    async def total(**params: Any) -> int:
        response = await api.get("/requests", params=params | {"limit": 1}, headers=headers)
        assert response.status_code == 200, response.text
        value: int = response.json()["total"]
        return value

    everything_total = await total()
    for text in ("status:returned", "eservice:CT027", "maker:amy", "dividend", "ref:ECS00001"):
        narrowed = await total(q=text)
        assert 0 < narrowed < everything_total, text
        assert await total(q=f"!{text}") == everything_total - narrowed, text
    assert await total(q="maker:nobody@nowhere.example") == 0
    assert await total(q="kowloon") == 0  # the other firm's maker, never shown


async def test_filter_parameters_are_the_same_as_the_grammar(
    api: httpx.AsyncClient, seeded_app: FastAPI
) -> None:
    headers = headers_for(seeded_app, LEAD)
    by_grammar = await all_refs(
        api, headers, q='status:returned status:"pending checker" eservice:CT027 from:2026-01-01'
    )
    by_parameters = await all_refs(
        api,
        headers,
        status=["returned", "pending checker"],
        eservice="CT027",
        **{"from": "2026-01-01"},
    )
    assert by_grammar == by_parameters
    maker_only = await all_refs(api, headers, maker="amy", q="status:completed")
    assert maker_only == await all_refs(api, headers, q="maker:amy status:completed")


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize(
    ("section", "text"),
    [
        (Section.ALL, ""),
        (Section.HISTORY, "eservice:CT027 eservice:BI01"),
        (Section.ALL, "buy"),
        (Section.SUBMITTED_BY_ME, "!status:completed"),
        (Section.ALL, "from:2026-11-01 !dividend"),
    ],
)
async def test_every_sort_orders_and_pages_without_gaps_or_repeats(
    api: httpx.AsyncClient,
    seeded_app: FastAPI,
    everything: list[Record],
    sort: Sort,
    section: Section,
    text: str,
) -> None:
    who = reader(seeded_app, LEAD)
    headers = headers_for(seeded_app, LEAD)
    wanted = expected(everything, who, section, parse_query(text), sort)
    got = await all_refs(api, headers, section=section.value, q=text, sort=sort.value, limit=37)
    assert got == wanted


async def test_small_pages_carry_the_total(api: httpx.AsyncClient, seeded_app: FastAPI) -> None:
    headers = headers_for(seeded_app, CHECKER)
    first = (await api.get("/requests", params={"limit": 5}, headers=headers)).json()
    counts = (await api.get("/requests/sections", headers=headers)).json()
    assert len(first["items"]) == 5
    assert first["total"] == counts["all"]
    assert first["total_is_estimate"] is False
    assert first["next_cursor"]
    for item in first["items"]:
        assert set(item) >= {
            "ref",
            "eservice",
            "eservice_name",
            "participant_id",
            "status",
            "maker",
            "updated_at",
            "title",
        }
        assert item["updated_at"].endswith("+08:00")


async def test_firm_narrows_within_what_the_reader_sees_and_never_beyond(
    api: httpx.AsyncClient, seeded_app: FastAPI, everything: list[Record]
) -> None:
    officer = headers_for(seeded_app, OFFICER)
    for firm in ("B01234", "B05678", "C01234"):
        refs = await all_refs(api, officer, q=f"firm:{firm}", limit=200)
        assert refs, firm
        assert {r.participant_id for r in everything if r.ref in set(refs)} == {firm}
        assert refs == await all_refs(api, officer, firm=firm, limit=200)
    # Another firm's user: firm:B01234 reaches nothing of Harbour's, and says so as 0.
    kowloon = headers_for(seeded_app, KOWLOON)
    response = await api.get("/requests", params={"q": "firm:B01234"}, headers=kowloon)
    assert response.status_code == 200
    assert (response.json()["items"], response.json()["total"]) == ([], 0)
    # Harbour acting for B01234 does not see its C01234 membership's requests by naming it.
    lead = headers_for(seeded_app, LEAD)
    assert await all_refs(api, lead, q="firm:C01234") == []
    response = await api.get("/requests", params={"q": "firm:B1234"}, headers=lead)
    assert response.status_code == 400
    assert "firm:B01234" in response.json()["fix"]


async def test_the_officer_sees_only_what_reached_the_exchange(
    api: httpx.AsyncClient, seeded_app: FastAPI, everything: list[Record]
) -> None:
    headers = headers_for(seeded_app, OFFICER)
    refs = set(await all_refs(api, headers, limit=200))
    reached = {r.ref for r in everything if r.reached_exchange}
    assert refs == reached
    firms = {r.participant_id for r in everything if r.ref in refs}
    assert firms == {"B01234", "B05678", "C01234"}  # C01234: Harbour's clearing membership
    drafts = await all_refs(api, headers, q="status:draft")
    assert drafts == []
    awaiting = set(await all_refs(api, headers, section="awaiting_my_check"))
    assert awaiting
    assert all(r.status is Status.WITH_EXCHANGE for r in everything if r.ref in awaiting)


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("status:", 1),
        ("nosuch:value", 1),
        ('dividend "unbalanced', 10),
        ("status:maybe", 8),
        ("from:2026-13-01", 6),
        ("! alone", 1),
    ],
)
async def test_a_malformed_filter_says_what_and_where(
    api: httpx.AsyncClient, seeded_app: FastAPI, text: str, column: int
) -> None:
    response = await api.get("/requests", params={"q": text}, headers=headers_for(seeded_app, LEAD))
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "bad_query"
    assert f"column {column}" in problem["detail"]
    assert problem["fix"]
    assert problem["errors"][0]["field"] == "q"


async def test_bad_parameters_are_refused(api: httpx.AsyncClient, seeded_app: FastAPI) -> None:
    headers = headers_for(seeded_app, LEAD)
    for params, status, code in (
        ({"limit": 201}, 422, "validation_failed"),
        ({"limit": 0}, 422, "validation_failed"),
        ({"section": "everything"}, 422, "validation_failed"),
        ({"sort": "sideways"}, 422, "validation_failed"),
        ({"status": "maybe"}, 400, "bad_query"),
        ({"from": "2026-01-01", "q": "from:2025-01-01"}, 400, "bad_query"),
    ):
        response = await api.get("/requests", params=params, headers=headers)
        assert response.status_code == status, params
        assert response.json()["code"] == code, params
    unauthenticated = await api.get("/requests")
    assert unauthenticated.status_code == 401


async def test_limit_200_is_allowed(api: httpx.AsyncClient, seeded_app: FastAPI) -> None:
    response = await api.get(
        "/requests", params={"limit": 200}, headers=headers_for(seeded_app, LEAD)
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 200


def test_module_data_dir_is_isolated(seeded_app: FastAPI, tmp_path: Path) -> None:
    assert not str(seeded_app.state.context.settings.data_dir).startswith(str(tmp_path))


async def test_a_costly_total_is_marked_as_an_estimate(
    api: httpx.AsyncClient, seeded_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = headers_for(seeded_app, LEAD)
    exact = (await api.get("/requests", params={"q": "buy", "limit": 1}, headers=headers)).json()
    assert exact["total_is_estimate"] is False
    monkeypatch.setattr(request_planner, "COUNT_MAX_COST", 0.0)
    monkeypatch.setattr(request_planner, "ID_DRIVE_MAX_COST", 0.0)
    monkeypatch.setattr(request_planner, "FTS_PROBE_CAP", 40)
    memo.forget(seeded_app.state.context.db.connect())  # "buy" was kept with the old ones
    for text in ("buy", "from:2026-06-01", "!dividend", "ref:ECS00001"):
        page = (await api.get("/requests", params={"q": text, "limit": 1}, headers=headers)).json()
        real = len(await all_refs(api, headers, q=text, limit=200))
        assert page["total_is_estimate"] is True, text
        assert real / 3 <= page["total"] <= real * 3, (text, page["total"], real)
    plain = (await api.get("/requests", params={"q": "status:draft"}, headers=headers)).json()
    assert plain["total_is_estimate"] is False  # from the count cells, always exact


PLAN_MODES: dict[str, dict[str, float]] = {
    "fts index drives": {"_COST_CHECKED_ROW": 1e9, "_COST_PREFIX_CHECK": 1e12},
    "rows checked one by one": {"_COST_FTS_ROW": 1e9},
    "no reference span": {"ID_DRIVE_MAX_COST": 0.0},
    "one plain query": {"MAX_ARMS": 0},
    "prefix left to FTS5": {"MAX_PREFIX_WORDS": 0},
}


@pytest.mark.parametrize("mode", list(PLAN_MODES))
@pytest.mark.parametrize("sort", [Sort.UPDATED_DESC, Sort.REF_ASC, Sort.STATUS])
async def test_every_plan_gives_the_same_answer(
    api: httpx.AsyncClient,
    seeded_app: FastAPI,
    everything: list[Record],
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    sort: Sort,
) -> None:
    for name, value in PLAN_MODES[mode].items():
        module = request_criteria if name == "MAX_PREFIX_WORDS" else request_planner
        monkeypatch.setattr(module, name, value)
    who = reader(seeded_app, LEAD)
    headers = headers_for(seeded_app, LEAD)
    for text in (
        "divid",
        "buy-in !exemption",
        "status:returned chan",
        "ECS000001",
        "ref:ECS00001 buy",
    ):
        wanted = expected(everything, who, Section.ALL, parse_query(text), sort)
        got = await all_refs(api, headers, q=text, sort=sort.value, limit=60)
        assert got == wanted, (mode, text)
