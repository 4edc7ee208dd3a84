"""The demo seed: API.md's firms and six users, idempotent."""

from __future__ import annotations

import importlib.machinery
import sqlite3
import sys
import types
from dataclasses import replace
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from cc_tui.domain.rights import CHECK_RIGHTS, DELEGATED_ADMIN, MAKE_RIGHTS
from cc_tui.server.app import create_app
from cc_tui.server.context import ServerContext
from cc_tui.server.seed import (
    CLEARING_MAKE,
    DEMO_PASSWORD,
    DEMO_USERS,
    REQUEST_SEEDER,
    seed_demo,
    seed_requests_if_available,
)
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store import users

DEMO_IDS = {
    "maker@harbour.example",
    "checker@harbour.example",
    "lead@harbour.example",
    "admin@harbour.example",
    "maker@kowloon.example",
    "officer@hkex.example",
}


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: sorted(tuple(row) for row in conn.execute(f"SELECT * FROM {table}"))
            for table in ("memberships", "users", "user_memberships", "user_rights")
        }
    finally:
        conn.close()


def context(app: FastAPI) -> ServerContext:
    found: ServerContext = app.state.context
    return found


def test_seed_creates_the_firms_and_six_users(app: FastAPI) -> None:
    conn = context(app).db.connect()
    firms = {row[0]: row for row in conn.execute("SELECT * FROM memberships")}
    assert set(firms) == {"B01234", "C01234", "B05678"}
    assert firms["B01234"]["name"] == "Harbour Securities Limited"
    assert firms["C01234"]["name"] == "Harbour Securities Limited"
    assert firms["B01234"]["kind"] == "exchange_participant"
    assert firms["C01234"]["kind"] == "clearing_participant"
    assert firms["B05678"]["name"] == "Kowloon Brokers Limited"
    assert all(firms[p]["address"] and firms[p]["contact_email"] for p in firms)
    assert {u.user_id for u in DEMO_USERS} == DEMO_IDS
    assert {row[0] for row in conn.execute("SELECT user_id FROM users")} == DEMO_IDS


def test_rights_follow_the_demo_table(app: FastAPI) -> None:
    conn = context(app).db.connect()
    assert users.rights(conn, "maker@harbour.example", "B01234") == set(MAKE_RIGHTS)
    assert users.rights(conn, "checker@harbour.example", "B01234") == set(CHECK_RIGHTS)
    assert users.rights(conn, "lead@harbour.example", "B01234") == MAKE_RIGHTS | CHECK_RIGHTS
    assert users.rights(conn, "admin@harbour.example", "B01234") == {DELEGATED_ADMIN}
    assert users.rights(conn, "maker@kowloon.example", "B05678") == MAKE_RIGHTS | CHECK_RIGHTS
    assert users.rights(conn, "maker@kowloon.example", "B01234") == set()
    officer = users.get_user(conn, "officer@hkex.example")
    assert officer is not None and officer.is_exchange_officer


def test_lead_and_admin_act_for_both_harbour_memberships(app: FastAPI) -> None:
    conn = context(app).db.connect()
    for user_id in ("lead@harbour.example", "admin@harbour.example"):
        held = [m.participant_id for m in users.memberships(conn, user_id)]
        assert held == ["B01234", "C01234"], user_id
    # Maker and checker in B01234, maker only (of the clearing forms) in C01234.
    assert users.rights(conn, "lead@harbour.example", "C01234") == set(CLEARING_MAKE)
    assert set(CLEARING_MAKE) < MAKE_RIGHTS
    assert not users.rights(conn, "lead@harbour.example", "C01234") & CHECK_RIGHTS
    assert users.rights(conn, "admin@harbour.example", "C01234") == {DELEGATED_ADMIN}
    for user_id in ("maker@harbour.example", "checker@harbour.example"):
        assert [m.participant_id for m in users.memberships(conn, user_id)] == ["B01234"]


def test_a_store_seeded_before_the_clearing_membership_gains_it(app: FastAPI) -> None:
    ctx = context(app)
    with ctx.db.transaction() as conn:
        conn.execute("DELETE FROM user_rights WHERE participant_id = 'C01234'")
        conn.execute("DELETE FROM user_memberships WHERE participant_id = 'C01234'")
        conn.execute("DELETE FROM memberships WHERE participant_id = 'C01234'")
    assert seed_demo(ctx) == []
    conn = ctx.db.connect()
    assert [m.participant_id for m in users.memberships(conn, "lead@harbour.example")] == [
        "B01234",
        "C01234",
    ]
    assert users.rights(conn, "admin@harbour.example", "C01234") == {DELEGATED_ADMIN}
    assert users.memberships(conn, "officer@hkex.example") == []


def test_checker_has_an_old_device_and_must_reregister(app: FastAPI) -> None:
    checker = users.get_user(context(app).db.connect(), "checker@harbour.example")
    assert checker is not None
    assert checker.otp_channel == "app"
    assert checker.device_registration == "required"
    assert checker.totp_secret is not None and len(checker.totp_secret) == 32
    others = [users.get_user(context(app).db.connect(), u) for u in DEMO_IDS - {checker.user_id}]
    assert all(u is not None and u.otp_channel == "email" and u.totp_secret is None for u in others)


def test_every_demo_user_has_the_demo_password_hashed_once(app: FastAPI) -> None:
    conn = context(app).db.connect()
    hashes = {row[0] for row in conn.execute("SELECT password_hash FROM users")}
    assert len(hashes) == 1
    (only,) = hashes
    assert only.startswith("$argon2id$")
    assert PasswordHasher().verify(only, DEMO_PASSWORD)


def test_seeding_twice_changes_nothing(server_settings: ServerSettings) -> None:
    first = create_app(server_settings)
    first.state.context.db.close()
    before = snapshot(server_settings.db_path)
    second = create_app(server_settings)
    try:
        assert seed_demo(second.state.context) == []
    finally:
        second.state.context.db.close()
    assert snapshot(server_settings.db_path) == before


def test_reseeding_keeps_what_users_changed(app: FastAPI) -> None:
    ctx = context(app)
    with ctx.db.transaction() as conn:
        users.record_failure(conn, "maker@harbour.example", ctx.now(), 1)
        conn.execute("DELETE FROM user_rights WHERE user_id = 'lead@harbour.example'")
    assert seed_demo(ctx) == []
    conn = ctx.db.connect()
    maker = users.get_user(conn, "maker@harbour.example")
    assert maker is not None and maker.locked
    assert users.rights(conn, "lead@harbour.example") == set()


def test_a_missing_user_is_put_back(app: FastAPI) -> None:
    ctx = context(app)
    with ctx.db.transaction() as conn:
        conn.execute("DELETE FROM users WHERE user_id = 'admin@harbour.example'")
    assert seed_demo(ctx) == ["admin@harbour.example"]
    assert users.rights(ctx.db.connect(), "admin@harbour.example") == {DELEGATED_ADMIN}


def test_no_seed_when_switched_off(server_settings: ServerSettings) -> None:
    app = create_app(replace(server_settings, seed_demo=False))
    try:
        conn = app.state.context.db.connect()
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    finally:
        app.state.context.db.close()


def test_requests_seeder_hook_calls_the_module_when_it_exists(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[ServerContext] = []
    fake = types.ModuleType(REQUEST_SEEDER)
    fake.__spec__ = importlib.machinery.ModuleSpec(REQUEST_SEEDER, None)
    fake.seed_requests = calls.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, REQUEST_SEEDER, fake)
    assert seed_requests_if_available(context(app)) is True
    assert calls == [context(app)]
