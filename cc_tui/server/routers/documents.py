"""The document library: search it, download a PDF (any logged-in user).

- `GET /documents?q=&limit=`: documents matching every word of `q` as a word prefix,
  best first (the whole library, by category and title, for no words).
- `GET /documents/{id}/file`: the PDF, as an attachment named by its `file_name`.
PDFs are rendered on first need and cached (store/documents.py); the rendering runs in a
worker thread with its own connection, never on the event loop.
"""

from __future__ import annotations

import pathlib
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from cc_tui.api.admin import Document
from cc_tui.api.problem import ProblemCode
from cc_tui.domain.i18n import _
from cc_tui.server.context import ServerContext
from cc_tui.server.deps import Context, CurrentPrincipal
from cc_tui.server.errors import ApiError
from cc_tui.server.openapi import problem_responses
from cc_tui.server.store import documents

router = APIRouter(prefix="/documents", tags=["documents"])

DocumentId = Annotated[str, Path(min_length=1, max_length=40, description="The document's id.")]


def _render_missing(context: ServerContext) -> None:
    documents.ensure_files(context.db.connect(), context.settings.files_dir)


@router.get("", responses=problem_responses(401, 403, 422))
async def list_documents(
    context: Context,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(max_length=200, description="Words to search for")] = "",
    limit: Annotated[int, Query(ge=1, le=documents.MAX_RESULTS)] = documents.MAX_RESULTS,
) -> list[Document]:
    if documents.files_missing(context.db.connect()):
        await anyio.to_thread.run_sync(_render_missing, context)
    return documents.search_documents(context.db.connect(), q, limit)


@router.get(
    "/{document_id}/file",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The document as a PDF."},
        **problem_responses(401, 403, 404),
    },
)
async def download_document(
    document_id: DocumentId, context: Context, principal: CurrentPrincipal
) -> FileResponse:
    document = documents.get_document(context.db.connect(), document_id)
    if document is None:
        raise ApiError(
            404,
            ProblemCode.NOT_FOUND,
            _("There is no document {document_id} in the library.").format(document_id=document_id),
            _("Search the library again and pick a document from the list."),
        )

    def ensure() -> pathlib.Path | None:
        return documents.ensure_file(context.db.connect(), context.settings.files_dir, document_id)

    path = await anyio.to_thread.run_sync(ensure)
    if path is None:
        raise ApiError(
            404,
            ProblemCode.NOT_FOUND,
            _("There is no document {document_id}.").format(document_id=document_id),
        )
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=document.file_name,
    )
