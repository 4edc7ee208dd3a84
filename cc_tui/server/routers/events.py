"""Events: upcoming seminars, enrolment and the waiting list (any logged-in user).

- `GET /events`: events not yet started, soonest first, with seats, the waiting list's
  length and the caller's own enrolment.
- `POST /events/{id}/enrolment`: a seat, or the waiting list when the event is full;
  enrolling twice changes nothing (`changed: false`), so a retry is always safe.
- `DELETE /events/{id}/enrolment`: withdraw; the first on the waiting list takes the
  seat and is e-mailed once the change has committed (a background task, after the
  answer, so a slow mail server never slows the answer or holds the store's lock).
Each change is one BEGIN IMMEDIATE transaction in the store (store/events.py).
"""

from __future__ import annotations

import logging
import smtplib
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path

from cc_tui.api.admin import Enrolment, Event
from cc_tui.domain.calendar import format_day, to_hkt
from cc_tui.domain.i18n import N_, _, speaking
from cc_tui.server.context import ServerContext
from cc_tui.server.deps import Context, CurrentPrincipal
from cc_tui.server.openapi import problem_responses
from cc_tui.server.store import events, users
from cc_tui.server.store.events import EnrolmentChange, Promotion

log = logging.getLogger("cc_tui.server.mail")

router = APIRouter(prefix="/events", tags=["events"])

EventId = Annotated[str, Path(min_length=1, max_length=40, description="The event's id.")]
PROMOTION_SUBJECT = N_("A seat is yours: {title}")


def _answer(change: EnrolmentChange) -> Enrolment:
    return Enrolment(
        event_id=change.event.id,
        status=change.status,
        waitlist_position=change.waitlist_position,
        message=change.message,
        changed=change.changed,
        event=change.event,
    )


def promotion_body(name: str, promotion: Promotion) -> str:
    event = promotion.event
    starts = to_hkt(event.starts_at)
    when = _("{day}, {time} HKT").format(
        day=format_day(starts.date(), year=True), time=f"{starts:%H:%M}"
    )
    return (
        _("Dear {name},").format(name=name)
        + "\n\n"
        + _(
            "A seat has become free at {title}, and it is now yours: you were first on "
            "its waiting list, and you are enrolled."
        ).format(title=event.title)
        + "\n\n"
        + _("When: {when}").format(when=when)
        + "\n"
        + _("Where: {venue}").format(venue=event.venue)
        + "\n\n"
        + _(
            "If you can no longer come, withdraw in Client Connect (Events) so that the next "
            "person on the waiting list can take the seat."
        )
        + "\n"
    )


def _mail_promotion(context: ServerContext, promotion: Promotion) -> None:
    conn = context.db.connect()
    name = users.user_name(conn, promotion.user_id)
    # In the recipient's language, whoever's withdrawal freed the seat.
    with speaking(users.language_of_user(conn, promotion.user_id)):
        subject = _(PROMOTION_SUBJECT).format(title=promotion.event.title)
        body = promotion_body(name if name is not None else _("participant"), promotion)
    try:
        context.mailer.send(promotion.user_id, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("could not send %r to %s: %s", subject, promotion.user_id, error)


@router.get("", responses=problem_responses(401, 403))
async def list_events(context: Context, principal: CurrentPrincipal) -> list[Event]:
    return events.upcoming_events(context.db.connect(), principal.user_id, context.now())


@router.post("/{event_id}/enrolment", responses=problem_responses(401, 403, 404, 409))
async def enrol(event_id: EventId, context: Context, principal: CurrentPrincipal) -> Enrolment:
    with context.db.transaction() as conn:
        change = events.enrol(conn, event_id, principal.user_id, context.now())
    return _answer(change)


@router.delete("/{event_id}/enrolment", responses=problem_responses(401, 403, 404, 409))
async def withdraw(
    event_id: EventId,
    context: Context,
    principal: CurrentPrincipal,
    background: BackgroundTasks,
) -> Enrolment:
    with context.db.transaction() as conn:
        change = events.withdraw(conn, event_id, principal.user_id, context.now())
    if change.promoted is not None:
        background.add_task(_mail_promotion, context, change.promoted)
    return _answer(change)
