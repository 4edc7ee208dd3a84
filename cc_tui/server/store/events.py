"""Events (seminars) and enrolments: the waiting list and its promotions.

Design decisions:
- Enrolment is per person (login ID), not per membership: a seat is taken by someone.
- Every change is one `BEGIN IMMEDIATE` transaction (`Database.transaction`): the seats
  are counted and the row written while no other writer can run, so two people can never
  take the last seat; triggers in the migration refuse an overfull room as a last line.
- Enrolling twice changes nothing and says so (`changed=False`); withdrawing when not
  enrolled likewise. A full event puts the person on its waiting list, in order of asking
  (`position` grows per event and is never reused).
- Withdrawing a seat moves the first on the waiting list up in the same transaction;
  the caller mails the person promoted after the commit (`Promotion`), so a slow mail
  server never holds the write lock.
- Enrolment closes when an event starts: no enrolling in, or withdrawing from, an event
  under way or past (409 `enrolment_closed`); past events are not listed.
- Events are not eServices (DOMAIN.md, "Beyond forms"), so the weekly maintenance
  window does not close them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from cc_tui.api.admin import EnrolmentStatus, Event
from cc_tui.api.problem import ProblemCode
from cc_tui.domain.i18n import _
from cc_tui.server.errors import ApiError
from cc_tui.server.store.times import from_micros, to_micros


@dataclass(frozen=True)
class NewEvent:
    id: str
    title: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    description: str = ""


@dataclass(frozen=True)
class Promotion:
    """Someone moved from the waiting list to a seat: to be told by e-mail."""

    user_id: str
    event: Event


@dataclass(frozen=True)
class EnrolmentChange:
    """What an enrol or withdraw did, for the answer and the mail after the commit."""

    status: EnrolmentStatus
    changed: bool
    waitlist_position: int | None
    event: Event
    promoted: Promotion | None = None

    @property
    def message(self) -> str:
        title = self.event.title
        if self.status == "enrolled":
            if self.changed:
                return _("You are enrolled in {title}.").format(title=title)
            return _("You were already enrolled in {title}; nothing changed.").format(title=title)
        if self.status == "waitlisted":
            place = (
                _("number {position}").format(position=self.waitlist_position)
                if self.waitlist_position
                else _("on it")
            )
            if self.changed:
                return _(
                    "{title} is full, so you are on its waiting list ({place}). If a seat "
                    "becomes free you move up and we e-mail you."
                ).format(title=title, place=place)
            return _(
                "You were already on the waiting list of {title} ({place}); nothing changed."
            ).format(title=title, place=place)
        if self.changed:
            return _("You have withdrawn from {title}.").format(title=title)
        return _("You were not enrolled in {title}; nothing changed.").format(title=title)


def create_event(conn: sqlite3.Connection, event: NewEvent) -> bool:
    """Add an event unless one with its id exists; True when added."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO events (id, title, description, venue, starts_at, ends_at,"
        " capacity) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            event.id,
            event.title,
            event.description,
            event.venue,
            to_micros(event.starts_at),
            to_micros(event.ends_at),
            event.capacity,
        ),
    )
    return cursor.rowcount == 1


_EVENT_COLUMNS = """
    e.id, e.title, e.description, e.venue, e.starts_at, e.ends_at, e.capacity,
    (SELECT COUNT(*) FROM enrolments x
        WHERE x.event_id = e.id AND x.status = 'enrolled') AS enrolled,
    (SELECT COUNT(*) FROM enrolments x
        WHERE x.event_id = e.id AND x.status = 'waitlisted') AS waitlisted,
    mine.status AS my_status,
    CASE WHEN mine.status = 'waitlisted' THEN
        (SELECT COUNT(*) FROM enrolments x WHERE x.event_id = e.id
            AND x.status = 'waitlisted' AND x.position <= mine.position)
    END AS my_position
"""


def _event(row: sqlite3.Row) -> Event:
    capacity = int(row["capacity"])
    enrolled = int(row["enrolled"])
    return Event(
        id=row["id"],
        title=row["title"],
        starts_at=from_micros(row["starts_at"]),
        ends_at=from_micros(row["ends_at"]),
        venue=row["venue"],
        description=row["description"],
        capacity=capacity,
        enrolled=enrolled,
        waitlisted=int(row["waitlisted"]),
        seats_left=max(0, capacity - enrolled),
        my_enrolment=row["my_status"] or "none",
        my_waitlist_position=row["my_position"],
    )


def upcoming_events(conn: sqlite3.Connection, user_id: str, now: datetime) -> list[Event]:
    """Events not yet started, soonest first, with `user_id`'s own enrolment."""
    rows = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events e"
        " LEFT JOIN enrolments mine ON mine.event_id = e.id AND mine.user_id = ?"
        " WHERE e.starts_at > ? ORDER BY e.starts_at, e.id",
        (user_id, to_micros(now)),
    ).fetchall()
    return [_event(row) for row in rows]


def get_event(conn: sqlite3.Connection, event_id: str, user_id: str) -> Event | None:
    row = conn.execute(
        f"SELECT {_EVENT_COLUMNS} FROM events e"
        " LEFT JOIN enrolments mine ON mine.event_id = e.id AND mine.user_id = ?"
        " WHERE e.id = ?",
        (user_id, event_id),
    ).fetchone()
    return None if row is None else _event(row)


def _open_event(conn: sqlite3.Connection, event_id: str, user_id: str, now: datetime) -> Event:
    """The event, if it exists and has not started; else 404 or 409."""
    event = get_event(conn, event_id, user_id)
    if event is None:
        raise ApiError(
            404,
            ProblemCode.NOT_FOUND,
            _("There is no event {event_id}.").format(event_id=event_id),
            _("Refresh the list of events and pick one from it."),
        )
    if event.starts_at <= now:
        raise ApiError(
            409,
            ProblemCode.ENROLMENT_CLOSED,
            _("{title} has already started, so enrolment is closed.").format(title=event.title),
            _("Pick an upcoming event; the list shows only those still open."),
        )
    return event


def enrol(conn: sqlite3.Connection, event_id: str, user_id: str, now: datetime) -> EnrolmentChange:
    """Take a seat, or a place on the waiting list when the event is full.

    Call inside `Database.transaction()` (BEGIN IMMEDIATE): the count and the insert
    must see no other writer in between.
    """
    event = _open_event(conn, event_id, user_id, now)
    if event.my_enrolment != "none":
        return EnrolmentChange(event.my_enrolment, False, event.my_waitlist_position, event)
    status: EnrolmentStatus = "enrolled" if event.enrolled < event.capacity else "waitlisted"
    conn.execute(
        "INSERT INTO enrolments (event_id, user_id, status, position, created_at)"
        " VALUES (?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM enrolments"
        " WHERE event_id = ?), ?)",
        (event_id, user_id, status, event_id, to_micros(now)),
    )
    after = get_event(conn, event_id, user_id)
    assert after is not None
    return EnrolmentChange(status, True, after.my_waitlist_position, after)


def withdraw(
    conn: sqlite3.Connection, event_id: str, user_id: str, now: datetime
) -> EnrolmentChange:
    """Give up a seat (the first on the waiting list moves up) or a waiting-list place.

    Call inside `Database.transaction()`; mail `promoted` after the commit.
    """
    event = _open_event(conn, event_id, user_id, now)
    if event.my_enrolment == "none":
        return EnrolmentChange("none", False, None, event)
    conn.execute("DELETE FROM enrolments WHERE event_id = ? AND user_id = ?", (event_id, user_id))
    promoted: Promotion | None = None
    if event.my_enrolment == "enrolled":
        first = conn.execute(
            "SELECT user_id FROM enrolments WHERE event_id = ? AND status = 'waitlisted'"
            " ORDER BY position LIMIT 1",
            (event_id,),
        ).fetchone()
        if first is not None:
            conn.execute(
                "UPDATE enrolments SET status = 'enrolled' WHERE event_id = ? AND user_id = ?",
                (event_id, first["user_id"]),
            )
            theirs = get_event(conn, event_id, first["user_id"])
            assert theirs is not None
            promoted = Promotion(first["user_id"], theirs)
    after = get_event(conn, event_id, user_id)
    assert after is not None
    return EnrolmentChange("none", True, None, after, promoted)


def enrolment_count(conn: sqlite3.Connection, event_id: str) -> tuple[int, int]:
    """(enrolled, waitlisted) of an event."""
    row = conn.execute(
        "SELECT COALESCE(SUM(status = 'enrolled'), 0), COALESCE(SUM(status = 'waitlisted'), 0)"
        " FROM enrolments WHERE event_id = ?",
        (event_id,),
    ).fetchone()
    return int(row[0]), int(row[1])


def seed_enrolments(
    conn: sqlite3.Connection,
    event_id: str,
    user_ids: list[str],
    now: datetime,
) -> None:
    """Enrol `user_ids` in order (seats first, then the waiting list), in one statement
    batch: for demo data, where hundreds of enrolments would be slow one by one."""
    row = conn.execute(
        "SELECT capacity, (SELECT COUNT(*) FROM enrolments WHERE event_id = ? AND"
        " status = 'enrolled') AS enrolled, (SELECT COALESCE(MAX(position), 0) FROM"
        " enrolments WHERE event_id = ?) AS last FROM events WHERE id = ?",
        (event_id, event_id, event_id),
    ).fetchone()
    seats = int(row["capacity"]) - int(row["enrolled"])
    position = int(row["last"])
    at = to_micros(now)
    values: list[tuple[str, str, str, int, int]] = []
    for user_id in user_ids:
        position += 1
        status = "enrolled" if seats > 0 else "waitlisted"
        if seats > 0:
            seats -= 1
        values.append((event_id, user_id, status, position, at))
    conn.executemany(
        "INSERT OR IGNORE INTO enrolments (event_id, user_id, status, position, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        values,
    )
