"""Approving fifty marked requests: four at a time, a line each, and the screen answers
keys all along (esc stops sending more). A canned portal on MockTransport whose answers
take a moment, so that the approvals really overlap."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from textual.pilot import Pilot
from textual.widgets import Static

from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.bulk import CONCURRENCY, BulkApproveScreen
from tests.tui.fake_portal import problem

REFS = [f"ECS{number:08d}" for number in range(1, 51)]
PATH = re.compile(r"/requests/(ECS\d{8})(/actions/approve)?$")


class SlowPortal:
    """GET /requests/{ref} and POST .../approve, each after `delay`; every seventh
    request was made by the checker and is refused."""

    def __init__(self, delay: float = 0.01) -> None:
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self.approved: list[tuple[str, int]] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        match = PATH.search(request.url.path)
        if match is None:
            return httpx.Response(404)
        ref = match.group(1)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        if match.group(2) is None:
            return httpx.Response(200, json=request_json(ref))
        if int(ref[3:]) % 7 == 0:
            return problem(
                403,
                "maker_cannot_check",
                f"You made {ref}, so you cannot check it.",
                "Ask another checker of your firm.",
            )
        self.approved.append((ref, json.loads(request.content)["version"]))
        return httpx.Response(200, json=request_json(ref, status="approved"))


def request_json(ref: str, status: str = "pending_checker") -> dict[str, Any]:
    return {
        "ref": ref,
        "eservice": "CT027",
        "eservice_name": "Order Consideration Limit setting",
        "participant_id": "B01234",
        "status": status,
        "maker": "maker@harbour.example",
        "updated_at": "2026-11-23T10:00:00+08:00",
        "title": "A title",
        "version": int(ref[3:]) + 100,
        "fields": {},
        "attachments": [],
        "comments": [],
        "allowed_actions": ["approve"],
    }


def app_on(portal: SlowPortal, tmp_path: Path) -> PortalApp:
    return PortalApp(
        "http://portal.test",
        transport=httpx.MockTransport(portal.handle),
        token_store=TokenStore(memory_only=True),
        state_dir=tmp_path,
        resume=False,
    )


async def until(pilot: Pilot[Any], condition: Any, within: float = 60.0) -> None:
    """Wait for `condition`, bounded by time rather than by a count of pauses: on a
    loaded machine 2,000 pauses passed before the first four approvals had finished."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("never happened")
        await pilot.pause()


async def test_fifty_are_approved_four_at_a_time_with_the_version_each_saw(
    tmp_path: Path,
) -> None:
    portal = SlowPortal()
    app = app_on(portal, tmp_path)
    results: list[frozenset[str]] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = BulkApproveScreen(REFS)

        def closed(approved: frozenset[str] | None) -> None:
            assert approved is not None
            results.append(approved)

        await app.push_screen(screen, closed)
        assert str(screen.query_one("#bulk-question", Static).content) == "Approve 50 requests? y/N"
        await pilot.press("y")
        await until(pilot, lambda: screen.phase == "done")
        assert 1 < portal.most_in_flight <= CONCURRENCY
        refused = [ref for ref in REFS if int(ref[3:]) % 7 == 0]
        assert sorted(portal.approved) == [
            (ref, int(ref[3:]) + 100) for ref in REFS if ref not in refused
        ]
        for ref in REFS:
            if ref in refused:
                assert screen.line(ref).startswith(f"✘ {ref} You made")
            else:
                assert screen.line(ref) == f"✔ {ref} approved"
        summary = str(screen.query_one("#bulk-summary", Static).content)
        assert summary == "Done: 43 approved, 7 not approved. enter or esc closes."
        await pilot.press("enter")
    assert results == [frozenset(ref for ref in REFS if ref not in refused)]


async def test_the_screen_answers_keys_while_they_run_and_esc_stops_sending_more(
    tmp_path: Path,
) -> None:
    portal = SlowPortal(delay=0.2)
    app = app_on(portal, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = BulkApproveScreen(REFS)
        await app.push_screen(screen)
        await pilot.press("y")
        await until(pilot, lambda: len(screen.outcomes) >= 4)
        await pilot.press("escape")  # handled at once, while approvals are under way
        assert "Stopping after those under way" in str(
            screen.query_one("#bulk-summary", Static).content
        )
        await until(pilot, lambda: screen.phase == "done")
        stopped = [ref for ref in REFS if screen.line(ref).endswith("not sent (stopped)")]
        assert len(stopped) >= 30
        assert len(screen.outcomes) + len(stopped) == len(REFS)
        assert ", " in str(screen.query_one("#bulk-summary", Static).content)
        assert f"{len(stopped)} not sent" in str(screen.query_one("#bulk-summary", Static).content)


class ChangedPortal(SlowPortal):
    """ECS00000002 was returned, edited and sent again since it was listed (approvable,
    but not what the checker saw); ECS00000003 was withdrawn since (approvable no more:
    the portal says so)."""

    async def handle(self, request: httpx.Request) -> httpx.Response:
        match = PATH.search(request.url.path)
        assert match is not None
        ref = match.group(1)
        if match.group(2) is None and ref in ("ECS00000002", "ECS00000003"):
            body = request_json(ref)
            body["updated_at"] = "2026-11-23T11:30:00+08:00"
            body["version"] += 2
            if ref == "ECS00000003":
                body["status"], body["allowed_actions"] = "withdrawn", []
            return httpx.Response(200, json=body)
        if match.group(2) is not None and ref == "ECS00000003":
            return problem(
                409,
                "invalid_transition",
                "A request that is withdrawn cannot be approved.",
                "Reload the request to see its current status and what you can do now.",
            )
        return await super().handle(request)


async def test_a_request_changed_since_it_was_listed_is_not_approved(tmp_path: Path) -> None:
    """The checker approves what it marked: a request whose content moved on since the
    list was read (another checker returned it, its maker changed it and sent it again)
    is left out with a line saying so, never approved at its new version."""
    portal = ChangedPortal()
    app = app_on(portal, tmp_path)
    refs = ["ECS00000001", "ECS00000002", "ECS00000003", "ECS00000004"]
    seen = datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = BulkApproveScreen(refs, dict.fromkeys(refs[:3], seen))
        await app.push_screen(screen)
        await pilot.press("y")
        await until(pilot, lambda: screen.phase == "done")
        # Unchanged, and not listed at all (a mark from another page): approved as before.
        assert sorted(portal.approved) == [("ECS00000001", 101), ("ECS00000004", 104)]
        assert screen.line("ECS00000002") == (
            "✘ ECS00000002 It changed after you marked it, so it was not approved. Open it "
            "(enter on its row) to check what it holds now, and approve it there."
        )
        # No longer approvable: sent, and the portal's own words say why.
        assert screen.line("ECS00000003").startswith("✘ ECS00000003 A request that is withdrawn")
        summary = str(screen.query_one("#bulk-summary", Static).content)
        assert summary == "Done: 2 approved, 2 not approved. enter or esc closes."
