"""Helpers for the read-side requests tests: a seeded portal, sessions, and an oracle.

The oracle answers a list request in plain Python over every request in the store, from
the rules as DOMAIN.md and the API state them (sections, the filter grammar, sorts), so
that each test compares what the server pages out with what it should be.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import CATALOGUE
from cc_tui.domain.query import Query, QueryField
from cc_tui.domain.sections import Section, Sort
from cc_tui.domain.workflow import FINAL_STATUSES, Status
from cc_tui.server.app import create_app
from cc_tui.server.clock import FakeClock
from cc_tui.server.context import ServerContext
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.sessions import create_session
from cc_tui.server.store.times import to_micros

MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"
LEAD = "lead@harbour.example"
ADMIN = "admin@harbour.example"
KOWLOON = "maker@kowloon.example"
OFFICER = "officer@hkex.example"
SEED_COUNT = 2000

_TOKEN = re.compile(r"[^\W_]+")
_REF_WORD = re.compile(r"ECS(\d{1,8})", re.ASCII | re.IGNORECASE)


def seeded_portal(
    tmp_path_factory: pytest.TempPathFactory, name: str, seed_random: int, count: int = SEED_COUNT
) -> FastAPI:
    """A portal (the app, in process) on its own store of `count` seeded requests, with
    cheap argon2 and a FakeClock; close it with `context_of(app).db.close()`."""
    return create_app(
        ServerSettings(
            data_dir=tmp_path_factory.mktemp(name) / "portal",
            clock=FakeClock(),
            argon2_time_cost=1,
            argon2_memory_cost=8192,
            seed_requests=count,
            seed_random=seed_random,
        )
    )


@asynccontextmanager
async def in_process(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the app, no socket, at the API's base."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://portal.test{API_PREFIX}"
    ) as client:
        yield client


def context_of(app: FastAPI) -> ServerContext:
    context: ServerContext = app.state.context
    return context


def headers_for(app: FastAPI, user_id: str, participant_id: str | None = None) -> dict[str, str]:
    """Bearer headers of a fresh session of `user_id`, minted in the store."""
    context = context_of(app)
    with context.db.transaction() as conn:
        token, _ = create_session(conn, user_id, context.now(), context.settings.session_absolute)
    headers = {"Authorization": f"Bearer {token}"}
    if participant_id is not None:
        headers["X-Participant-ID"] = participant_id
    return headers


@dataclass(frozen=True)
class Record:
    id: int
    ref: str
    participant_id: str
    eservice: str
    eservice_name: str
    status: Status
    maker: str
    title: str
    updated_at: int
    reached_exchange: bool
    comments: tuple[str, ...] = ()


def records(app: FastAPI) -> list[Record]:
    conn = context_of(app).db.connect()
    # Comments from the audit trail itself (not the row's copy the search reads): a
    # return's or reject's, the maker's reply; upload and delete entries name files.
    comments: dict[int, list[str]] = {}
    for request_id, comment in conn.execute(
        "SELECT request_id, comment FROM request_audit WHERE comment <> ''"
        " AND action NOT IN ('upload', 'delete_attachment') ORDER BY id"
    ):
        comments.setdefault(request_id, []).append(comment)
    return [
        Record(
            id=r["id"],
            ref=r["ref"],
            participant_id=r["participant_id"],
            eservice=r["eservice"],
            eservice_name=r["eservice_name"],
            status=Status(r["status"]),
            maker=r["maker"],
            title=r["title"],
            updated_at=r["updated_at"],
            reached_exchange=bool(r["reached_exchange"]),
            comments=tuple(comments.get(r["id"], ())),
        )
        for r in conn.execute(
            "SELECT id, ref, participant_id, eservice, eservice_name, status, maker, title,"
            " updated_at, reached_exchange FROM requests"
        )
    ]


@dataclass(frozen=True)
class Reader:
    user_id: str
    participant_id: str | None
    rights: frozenset[str]
    is_exchange_officer: bool

    def reads(self, record: Record) -> bool:
        if self.is_exchange_officer:
            return record.reached_exchange
        return record.participant_id == self.participant_id

    def checks(self, record: Record) -> bool:
        eservice = CATALOGUE.get(record.eservice)
        return eservice is not None and eservice.check_right in self.rights


def reader(app: FastAPI, user_id: str, participant_id: str | None = None) -> Reader:
    conn = context_of(app).db.connect()
    officer = bool(
        conn.execute(
            "SELECT is_exchange_officer FROM users WHERE user_id = ?", (user_id,)
        ).fetchone()[0]
    )
    if participant_id is None:
        first = conn.execute(
            "SELECT min(participant_id) FROM user_memberships WHERE user_id = ?", (user_id,)
        ).fetchone()[0]
        participant_id = first
    rights = frozenset(
        r[0]
        for r in conn.execute(
            "SELECT right_code FROM user_rights WHERE user_id = ? AND participant_id = ?",
            (user_id, participant_id),
        )
    )
    return Reader(user_id, participant_id, rights, officer)


def in_section(who: Reader, section: Section, record: Record) -> bool:
    if not who.reads(record):
        return False
    mine = record.maker == who.user_id
    if section is Section.AWAITING_MY_CHECK:
        if who.is_exchange_officer:
            return record.status is Status.WITH_EXCHANGE
        return record.status is Status.PENDING_CHECKER and not mine and who.checks(record)
    if section is Section.RETURNED_TO_ME:
        return record.status is Status.RETURNED and mine
    if section is Section.MY_DRAFTS:
        return record.status is Status.DRAFT and mine
    if section is Section.SUBMITTED_BY_ME:
        return record.status is not Status.DRAFT and mine
    if section is Section.HISTORY:
        return record.status in FINAL_STATUSES
    return True


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _phrase_in(words: list[str], column: str, prefix: bool) -> bool:
    tokens = _tokens(column)
    for start in range(len(tokens) - len(words) + 1):
        window = tokens[start : start + len(words)]
        if window[:-1] != words[:-1]:
            continue
        last = window[-1]
        if last == words[-1] or (prefix and last.startswith(words[-1])):
            return True
    return False


def _term_matches(text: str, record: Record, prefix: bool) -> bool:
    ref_word = _REF_WORD.fullmatch(text)
    if ref_word is not None:
        return record.ref.startswith("ECS" + ref_word.group(1))
    words = _tokens(text)
    use_prefix = prefix and len(words[-1]) >= 3
    return any(
        _phrase_in(words, column, use_prefix)
        for column in (record.title, record.eservice_name, record.maker, *record.comments)
    )


def matches(query: Query, record: Record) -> bool:
    """The grammar's rules: every term matches (negated: none), positive filters on one
    field are alternatives, fields combine with AND, negated filters exclude."""
    positive = [t for t in query.terms if not t.negated]
    last = positive[-1] if positive else None
    for term in query.terms:
        if not _tokens(term.text):
            continue  # punctuation alone looks for nothing
        if _term_matches(term.text, record, prefix=term is last) == term.negated:
            return False
    values = {
        QueryField.STATUS: record.status.value,
        QueryField.ESERVICE: record.eservice,
        QueryField.MAKER: record.maker,
        QueryField.REF: record.ref,
        QueryField.FIRM: record.participant_id,
    }
    for field, value in values.items():
        wanted = query.values(field)
        unwanted = query.values(field, negated=True)
        test = _starts if field in (QueryField.MAKER, QueryField.REF) else _equals
        if wanted and not any(test(value, w) for w in wanted):
            return False
        if any(test(value, u) for u in unwanted):
            return False
    start, end = query.updated_range()
    if start is not None and record.updated_at < to_micros(start):
        return False
    return not (end is not None and record.updated_at >= to_micros(end))


def _starts(value: str, wanted: str) -> bool:
    return value.lower().startswith(wanted.lower())


def _equals(value: str, wanted: str) -> bool:
    return value == wanted


def expected(
    everything: Iterable[Record], who: Reader, section: Section, query: Query, sort: Sort
) -> list[str]:
    """The references the list should show, in order."""
    found = [r for r in everything if in_section(who, section, r) and matches(query, r)]
    rank = {status: n for n, status in enumerate(Status)}
    keys: dict[Sort, Any] = {
        Sort.UPDATED_DESC: lambda r: (-r.updated_at, -r.id),
        Sort.UPDATED_ASC: lambda r: (r.updated_at, r.id),
        Sort.REF_DESC: lambda r: -r.id,
        Sort.REF_ASC: lambda r: r.id,
        Sort.STATUS: lambda r: (rank[r.status], -r.updated_at, -r.id),
        Sort.ESERVICE: lambda r: (r.eservice, -r.updated_at, -r.id),
    }
    found.sort(key=keys[sort])
    return [r.ref for r in found]


async def pages(
    api: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> AsyncIterator[dict[str, Any]]:
    """Every page of a list, following next_cursor."""
    cursor: str | None = None
    while True:
        query = dict(params) | ({"cursor": cursor} if cursor else {})
        response = await api.get("/requests", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        yield page
        cursor = page["next_cursor"]
        if cursor is None:
            return


async def all_refs(api: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    refs: list[str] = []
    async for page in pages(api, headers, **params):
        refs.extend(item["ref"] for item in page["items"])
    return refs
