"""A membership's profile: the firm's details that auto-fill draws on."""

from __future__ import annotations

import sqlite3

from cc_tui.domain.forms import MembershipProfile


def membership_profile(conn: sqlite3.Connection, participant_id: str) -> MembershipProfile | None:
    """The profile of `participant_id` (memberships table), or None if there is none."""
    row = conn.execute(
        "SELECT participant_id, name, address, contact_name, contact_email, contact_phone"
        " FROM memberships WHERE participant_id = ?",
        (participant_id,),
    ).fetchone()
    if row is None:
        return None
    return MembershipProfile(
        participant_id=row["participant_id"],
        firm_name=row["name"],
        address=row["address"],
        contact_name=row["contact_name"],
        contact_email=row["contact_email"],
        contact_phone=row["contact_phone"],
    )
