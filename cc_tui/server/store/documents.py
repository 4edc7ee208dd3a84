"""The document library: technical documents and forms that are not eServices.

Design decisions:
- Search is by words through FTS5 (title, category, description, keywords; the title
  weighs most): each word the user typed must match the start of a word, so a search as
  you type ("buy-i") already finds "Buy-in". An empty search lists the whole library by
  category and title. Only letters and digits reach MATCH, so no input is an FTS5 syntax
  error.
- A document's PDF is rendered from its stored text once (library_pdf.py) and cached
  under `files_dir/library/<id>.pdf`, written to a temporary name and renamed, so no
  reader ever sees half a file. Its size and SHA-256 are stored when first rendered;
  `ensure_files` renders whatever is missing before a listing, so every listed size is
  the real one. Rendering is slow work: callers run it in a thread with its own
  connection (db.py), never on the event loop.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cc_tui.api.admin import Document
from cc_tui.server.library_pdf import LibraryDocument, LibraryText, render
from cc_tui.server.store.times import from_micros, to_micros

MAX_RESULTS = 200
_WORD = re.compile(r"\w+", re.UNICODE)
_render_lock = threading.Lock()


@dataclass(frozen=True)
class NewDocument:
    id: str
    title: str
    category: str
    description: str
    file_name: str
    updated_at: datetime
    text: LibraryText
    keywords: str = ""
    original_signature: bool = False


def add_document(conn: sqlite3.Connection, document: NewDocument) -> bool:
    """Add a document unless one with its id exists; True when added."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO documents (id, title, category, description, keywords,"
        " file_name, original_signature, body, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            document.id,
            document.title,
            document.category,
            document.description,
            document.keywords,
            document.file_name,
            int(document.original_signature),
            document.text.to_json(),
            to_micros(document.updated_at),
        ),
    )
    return cursor.rowcount == 1


def match_expression(q: str) -> str | None:
    """The FTS5 MATCH for what the user typed: every word, as a prefix; None for none."""
    words = _WORD.findall(q.lower())
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


_COLUMNS = "d.id, d.title, d.category, d.description, d.size, d.updated_at, d.file_name," + (
    " d.original_signature"
)


def _document(row: sqlite3.Row) -> Document:
    return Document(
        id=row["id"],
        title=row["title"],
        category=row["category"],
        description=row["description"],
        size=row["size"] or 0,
        updated_at=from_micros(row["updated_at"]),
        file_name=row["file_name"],
        original_signature=bool(row["original_signature"]),
    )


def search_documents(conn: sqlite3.Connection, q: str, limit: int = MAX_RESULTS) -> list[Document]:
    """Documents matching every word of `q` (best first); all of them for an empty `q`."""
    limit = max(1, min(limit, MAX_RESULTS))
    expression = match_expression(q)
    if expression is None:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM documents d ORDER BY d.category, d.title LIMIT ?",
            (limit,),
        ).fetchall()
    else:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM documents_fts f JOIN documents d ON d.rowid = f.rowid"
            " WHERE documents_fts MATCH ?"
            " ORDER BY bm25(documents_fts, 10.0, 3.0, 2.0, 2.0), d.title LIMIT ?",
            (expression, limit),
        ).fetchall()
    return [_document(row) for row in rows]


def get_document(conn: sqlite3.Connection, document_id: str) -> Document | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM documents d WHERE d.id = ?", (document_id,)
    ).fetchone()
    return None if row is None else _document(row)


def library_dir(files_dir: Path) -> Path:
    return files_dir / "library"


def cached_path(files_dir: Path, document_id: str) -> Path:
    """Where a document's PDF is kept. Ids are ours (seeded), never a user's words."""
    return library_dir(files_dir) / f"{document_id}.pdf"


def _render_one(conn: sqlite3.Connection, files_dir: Path, document_id: str) -> Path | None:
    row = conn.execute(
        "SELECT title, category, description, updated_at, original_signature, body"
        " FROM documents WHERE id = ?",
        (document_id,),
    ).fetchone()
    if row is None:
        return None
    data = render(
        LibraryDocument(
            title=row["title"],
            category=row["category"],
            description=row["description"],
            updated_at=from_micros(row["updated_at"]),
            original_signature=bool(row["original_signature"]),
            text=LibraryText.from_json(row["body"]),
        )
    )
    path = cached_path(files_dir, document_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    conn.execute(
        "UPDATE documents SET size = ?, sha256 = ? WHERE id = ?",
        (len(data), hashlib.sha256(data).hexdigest(), document_id),
    )
    return path


def ensure_file(conn: sqlite3.Connection, files_dir: Path, document_id: str) -> Path | None:
    """The document's PDF on disk, rendered now if missing; None for an unknown id."""
    path = cached_path(files_dir, document_id)
    if path.is_file():
        return path
    with _render_lock:
        if path.is_file():
            return path
        return _render_one(conn, files_dir, document_id)


def ensure_files(conn: sqlite3.Connection, files_dir: Path) -> int:
    """Render every document whose PDF or size is missing; returns how many were."""
    rendered = 0
    ids = [row[0] for row in conn.execute("SELECT id FROM documents ORDER BY id")]
    with _render_lock:
        for document_id in ids:
            row = conn.execute("SELECT size FROM documents WHERE id = ?", (document_id,)).fetchone()
            if row["size"] is not None and cached_path(files_dir, document_id).is_file():
                continue
            _render_one(conn, files_dir, document_id)
            rendered += 1
    return rendered


def files_missing(conn: sqlite3.Connection) -> bool:
    """Whether any document has no rendered size yet (cheap: one query, no disk)."""
    row = conn.execute("SELECT 1 FROM documents WHERE size IS NULL LIMIT 1").fetchone()
    return row is not None
