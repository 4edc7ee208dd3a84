"""Numbers a portal sends (Retry-After, an event stream's `retry:` and `id:`) are read as
ASCII digits of a sane length: a hostile or broken portal's "²" (which str.isdigit takes
and int() refuses), or a figure of thousands of digits, is ignored or bounded, never an
exception that ends the notice stream or a wait of years."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from cc_tui.client.http import MAX_RETRY_AFTER, retry_after, whole_number
from cc_tui.client.notices import notification_of, read_events


async def lines_of(text: str) -> AsyncIterator[str]:
    for line in text.splitlines():
        yield line


def notice_payload() -> dict[str, object]:
    return {
        "kind": "awaiting_my_check",
        "ref": "ECS00000001",
        "status": "pending_checker",
        "at": "2026-11-23T10:00:00+08:00",
    }


@pytest.mark.parametrize(
    "value",
    ["²", "١٢", "9" * 5000, "-5", "1.5", ""],
    ids=["superscript", "arabic-indic", "5000-digits", "negative", "decimal", "empty"],
)
async def test_a_retry_field_that_is_no_plain_number_is_ignored(value: str) -> None:
    text = f"retry: 2000\nretry: {value}\ndata: x\n\n"
    events = [event async for event in read_events(lines_of(text))]
    assert events[0] is not None and events[0].retry == 2000


@pytest.mark.parametrize(
    "event_id", ["²", "9" * 5000, "12a"], ids=["superscript", "5000-digits", "letters"]
)
async def test_an_event_id_that_is_no_plain_number_gives_no_id(event_id: str) -> None:
    text = f"id: {event_id}\ndata: {json.dumps(notice_payload())}\n\n"
    events = [event async for event in read_events(lines_of(text))]
    assert events[0] is not None
    assert notification_of(events[0]) is None  # no id from anywhere: not a notice


async def test_a_plain_event_id_is_still_taken() -> None:
    text = f"id: 42\ndata: {json.dumps(notice_payload())}\n\n"
    events = [event async for event in read_events(lines_of(text))]
    assert events[0] is not None
    notice = notification_of(events[0])
    assert notice is not None and notice.id == 42


def test_retry_after_is_read_and_bounded() -> None:
    assert retry_after("27") == 27.0
    assert retry_after("²") is None
    assert retry_after("9" * 5000) == MAX_RETRY_AFTER
    assert retry_after("99999999") == MAX_RETRY_AFTER
    assert retry_after("Fri, 31 Dec 9999 23:59:59 GMT") == MAX_RETRY_AFTER
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None


def test_whole_numbers_are_ascii_digits_of_a_sane_length() -> None:
    assert whole_number("0042") == 42
    assert [whole_number(t) for t in ("²", "١٢", "", " 1", "9" * 19)] == [None] * 5
