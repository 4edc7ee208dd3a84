"""How the store keeps moments: integer microseconds since the Unix epoch (sortable,
exact, one column), read back as aware datetimes in Hong Kong time. One definition, for
requests, events, documents, attachments, notifications and idempotency keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cc_tui.domain.calendar import to_hkt

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_micros(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the Unix epoch."""
    if moment.tzinfo is None:
        raise ValueError("A naive datetime has no place in the store; give it a zone.")
    return (moment - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    """Microseconds since the Unix epoch as an aware datetime in Hong Kong time."""
    return to_hkt(EPOCH + timedelta(microseconds=micros))
