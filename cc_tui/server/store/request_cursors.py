"""Dashboard lists, step three: the page cursor (base64 JSON with an HMAC).

A cursor carries the keyset of the last row shown and is bound to the user, membership,
section, query and sort (`cursor_binding`); anything else is 400 `bad_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Sequence
from functools import lru_cache

from cc_tui.api.problem import ProblemCode
from cc_tui.domain.i18n import _
from cc_tui.domain.query import Query, format_query
from cc_tui.domain.sections import Section, Sort
from cc_tui.server.errors import ApiError
from cc_tui.server.store.memo import remembered
from cc_tui.server.store.request_criteria import STATUS_RANK
from cc_tui.server.store.requests import Viewer


class BadCursor(ApiError):
    def __init__(self) -> None:
        super().__init__(
            400,
            ProblemCode.BAD_CURSOR,
            _(
                "This page link is not valid for this list: it is damaged, or it was made for "
                "another filter, sort, section or user."
            ),
            _("Start again from the first page (send the request without a cursor)."),
        )


def cursor_secret(conn: sqlite3.Connection) -> bytes:
    """The key of the cursors' HMAC (read on every page: kept until the store changes)."""
    return remembered(conn, ("cursor secret",), lambda: _read_secret(conn))


def _read_secret(conn: sqlite3.Connection) -> bytes:
    row = conn.execute("SELECT secret FROM server_keys WHERE name = 'list_cursor'").fetchone()
    return bytes(row[0])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(secret: bytes, binding: str, key: Sequence[int | str]) -> str:
    body = _b64(json.dumps({"b": binding, "k": list(key)}, separators=(",", ":")).encode())
    mac = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:16]
    return f"{body}.{_b64(mac)}"


def decode_cursor(secret: bytes, binding: str, text: str, sort: Sort) -> list[int | str]:
    """The keyset in `text`, checked: HMAC, same list (binding), the sort's key shape."""
    try:
        body, _, mac = text.partition(".")
        expected = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(_unb64(mac), expected):
            raise BadCursor()
        payload = json.loads(_unb64(body))
    except (ValueError, binascii.Error, UnicodeError):
        raise BadCursor() from None
    if not isinstance(payload, dict) or payload.get("b") != binding:
        raise BadCursor()
    key = payload.get("k")
    if not isinstance(key, list) or not _key_shape_ok(sort, key):
        raise BadCursor()
    return key


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62


def _key_shape_ok(sort: Sort, key: list[object]) -> bool:
    if sort in (Sort.UPDATED_DESC, Sort.UPDATED_ASC):
        return len(key) == 2 and all(_is_int(v) for v in key)
    if sort in (Sort.REF_DESC, Sort.REF_ASC):
        return len(key) == 1 and _is_int(key[0])
    if sort is Sort.STATUS:
        return (
            len(key) == 3 and all(_is_int(v) for v in key) and int(str(key[0])) < len(STATUS_RANK)
        )
    return (
        len(key) == 3
        and isinstance(key[0], str)
        and 0 < len(key[0]) <= 20
        and _is_int(key[1])
        and _is_int(key[2])
    )


@lru_cache(maxsize=1024)
def cursor_binding(viewer: Viewer, section: Section, query: Query, sort: Sort) -> str:
    """What a cursor belongs to: a digest of the user, membership, section, query, sort
    (a pure function of them: the recent ones are kept)."""
    text = json.dumps(
        [viewer.user_id, viewer.participant_id, section.value, format_query(query), sort.value]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
