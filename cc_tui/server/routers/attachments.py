"""Supporting documents: upload, download and delete a request's attachments.

Thin on purpose: the checks live in `server.files` (bytes, names, limits), the rows in
`store.attachments`, the streaming of the body in `server.multipart`.

Upload, in this order (cheapest and least revealing first):
1. the request must be one the user may read (404 otherwise, also for another firm's);
2. the declared Content-Length must be within the limit (413 before the body is read);
3. the file part's headers are read for its name; a retry under a used Idempotency-Key
   gets the first answer back (`Idempotent-Replayed: true`) and changes nothing. The
   key's fingerprint is the path and the file name, not the bytes, which would have to
   be read in full to compare: a client reuses a key only to resend the same file;
4. 503 during the maintenance window; 403 for anyone but the maker; 409 unless the
   request is a Draft or Returned;
5. `files.accept_upload`: the count, the name (every reason, with the corrected name
   in `fix`), then the bytes as they stream in (size, type by content, extension);
6. one transaction re-checks the request as it is now, writes the row, its `upload`
   audit entry and the idempotency key. If anything fails after the bytes were stored,
   they are deleted: no file is kept without its row.
Download streams the stored file with its content type, `Content-Disposition:
attachment` and `Repr-Digest` (its SHA-256, so a client can check what it received).
Delete removes the row (with a `delete_attachment` audit entry), then the bytes.
"""

from __future__ import annotations

import base64
import re
import sqlite3
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import FileResponse
from starlette.requests import ClientDisconnect

from cc_tui.api.problem import ProblemCode
from cc_tui.api.requests import Attachment
from cc_tui.domain.files import (
    CONTENT_TYPES,
    MAX_FILE_BYTES,
)
from cc_tui.domain.i18n import _
from cc_tui.server.context import Principal, ServerContext
from cc_tui.server.deps import Context, CurrentPrincipal, viewer_of
from cc_tui.server.errors import ApiError
from cc_tui.server.files import (
    FileStore,
    StoredFile,
    accept_upload,
    ensure_request_size,
)
from cc_tui.server.idempotency import IdempotentCall, check_key
from cc_tui.server.multipart import FILE_FIELD, MultipartFile, malformed
from cc_tui.server.openapi import problem_responses
from cc_tui.server.service_hours import refuse_during_maintenance
from cc_tui.server.store import attachments as store
from cc_tui.server.store.idempotency import StoredAnswer
from cc_tui.server.store.requests import RequestRow, get_visible_request

router = APIRouter(prefix="/requests", tags=["attachments"])

_SAFE_FILENAME = re.compile(r"[\x20-\x7e]+")

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": (
                                "The document (PDF, XLS or XLSX, at most 10 MiB), named "
                                "Supporting Document_<Ref>_<Xnnnnn>[_0n].<ext>."
                            ),
                        }
                    },
                }
            }
        },
    }
}
_DOWNLOAD_BODY: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document's bytes, as attached.",
        "content": {content_type: {} for content_type in CONTENT_TYPES.values()},
    }
}


def file_store(context: ServerContext) -> FileStore:
    return FileStore(context.settings.files_dir, MAX_FILE_BYTES)


def content_disposition(name: str) -> str:
    """`attachment; filename="..."`, safely quoted; `filename*` (RFC 6266) when the
    name is not plain printable ASCII. Attached names pass the naming rule, so they are
    plain ASCII with no quote; this stays safe whatever a name holds."""
    if _SAFE_FILENAME.fullmatch(name) and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}"'
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def repr_digest(sha256_hex: str) -> str:
    """The RFC 9530 `Repr-Digest` value of a SHA-256 given in hex."""
    return f"sha-256=:{base64.b64encode(bytes.fromhex(sha256_hex)).decode('ascii')}:"


@router.post(
    "/{ref}/attachments",
    status_code=201,
    response_model=Attachment,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422, 503),
    openapi_extra=_UPLOAD_BODY,
)
async def upload_attachment(
    ref: str,
    http_request: Request,
    context: Context,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(description="A unique key per upload; a retry with the same key stores nothing."),
    ] = None,
) -> Response:
    """Attach a supporting document to a Draft or Returned request (its maker only)."""
    key = check_key(idempotency_key)
    row = get_visible_request(context.db.connect(), viewer_of(principal), ref)
    ensure_request_size(http_request.headers.get("content-length"))
    part = MultipartFile(http_request.stream(), http_request.headers.get("content-type"))
    try:
        name = await part.open()
    except ClientDisconnect:
        raise malformed(_("The connection dropped before the file arrived.")) from None

    call = IdempotentCall.of(http_request, principal.user_id, key, name)
    now = context.now()
    first = call.first_answer(context.db.connect(), now)
    if first is not None:
        return first
    refuse_during_maintenance(context)
    store.refuse_unless_attachable(row, principal.user_id)

    files = file_store(context)
    taken = store.attached_names(context.db.connect(), row.id)
    try:
        stored = await accept_upload(
            files, part, name=name, ref=row.ref, participant_id=row.participant_id, taken=taken
        )
    except ClientDisconnect:
        raise malformed(_("The connection dropped before the whole file arrived.")) from None
    try:
        await part.finish()
        attachment, body = _record(context, principal, row, stored, name, call)
    except sqlite3.IntegrityError:
        files.delete(stored.storage_name)
        # Another process answered the same key first, or took the name a moment ago.
        first = call.first_answer(context.db.connect(), now)
        if first is not None:
            return first
        raise
    except ClientDisconnect:
        files.delete(stored.storage_name)
        raise malformed(_("The connection dropped before the upload ended.")) from None
    except BaseException:
        files.delete(stored.storage_name)
        raise
    return Response(
        body,
        status_code=201,
        media_type="application/json",
        headers={"Location": f"{http_request.url.path}/{attachment.id}"},
    )


def _record(
    context: ServerContext,
    principal: Principal,
    row: RequestRow,
    stored: StoredFile,
    name: str,
    call: IdempotentCall,
) -> tuple[Attachment, str]:
    """The row, its audit entry and the idempotency key, in one transaction."""
    now = context.now()
    with context.db.transaction() as conn:
        added = store.add_attachment(
            conn,
            row,
            stored,
            name=name,
            user_id=principal.user_id,
            acting_participant_id=principal.participant_id,
            now=now,
        )
        attachment = added.model()
        body = attachment.model_dump_json()
        call.remember(conn, StoredAnswer(201, body), now)
    return attachment, body


@router.get(
    "/{ref}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={**_DOWNLOAD_BODY, **problem_responses(401, 403, 404)},
)
async def download_attachment(
    ref: str, attachment_id: str, context: Context, principal: CurrentPrincipal
) -> FileResponse:
    """The attached file, for everyone who may read the request."""
    conn = context.db.connect()
    row = get_visible_request(conn, viewer_of(principal), ref)
    found = store.get_attachment(conn, row.id, attachment_id)
    if found is None:
        raise store.AttachmentNotFound(row.ref)
    try:
        path = file_store(context).open(found.storage_name)
    except (FileNotFoundError, ValueError):
        raise ApiError(
            404,
            ProblemCode.NOT_FOUND,
            _("The portal no longer has the bytes of {name}.").format(name=found.name),
            _("Ask the request's maker to attach the document again."),
        ) from None
    return FileResponse(
        path,
        media_type=found.content_type,
        headers={
            "Content-Disposition": content_disposition(found.name),
            "X-Content-Type-Options": "nosniff",
            "Repr-Digest": repr_digest(found.sha256),
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/{ref}/attachments/{attachment_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409, 503),
)
async def delete_attachment(
    ref: str, attachment_id: str, context: Context, principal: CurrentPrincipal
) -> Response:
    """Remove an attachment from a Draft or Returned request (its maker only)."""
    row = get_visible_request(context.db.connect(), viewer_of(principal), ref)
    refuse_during_maintenance(context)
    with context.db.transaction() as conn:
        removed = store.remove_attachment(
            conn,
            row,
            attachment_id,
            user_id=principal.user_id,
            acting_participant_id=principal.participant_id,
            now=context.now(),
        )
    file_store(context).delete(removed.storage_name)
    return Response(status_code=204)
