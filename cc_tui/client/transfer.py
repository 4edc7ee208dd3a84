"""Moving supporting documents' bytes: a streamed multipart upload, a streamed download.

`PortalClient.upload_attachment` and `download_attachment` are thin over this.

- Upload: the multipart/form-data body is written by hand around the file, so its
  length is known before sending (the portal refuses an oversized one from its
  Content-Length at once) and the file is read from disk in 64 KiB chunks, in a thread,
  as httpx sends them; `progress(sent, total)` follows the bytes handed to the socket.
  Nothing is held in memory but one chunk. The file name is encoded as browsers and
  httpx do (HTML5: `%22` for a quote, `%0A` and the like for control characters), which
  the portal undoes before checking the name. A file that changes size while it is
  sent is refused rather than sent short or long.
- Download (one way for attachments, library documents and the audit PDF): the body
  streams into a new file in the chosen folder, created exclusively (`name (2).pdf` when
  `name.pdf` exists; nothing is ever overwritten), named from Content-Disposition reduced
  to a plain file name (never a path from the portal) unless the caller names it. When
  the portal sends `Repr-Digest` (RFC 9530) the SHA-256 is checked, and the first bytes
  must be one of the kinds asked for (`domain/files.py`'s signatures); a file that fails
  either is removed and the download refused.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Callable, Collection
from email.message import EmailMessage
from pathlib import Path
from typing import BinaryIO, Final

import httpx

from cc_tui.domain.files import KIND_WORDS, KINDS, Kind, describe_content, kind_by_signature
from cc_tui.domain.i18n import _

CHUNK_BYTES: Final = 64 * 1024
Progress = Callable[[int, int], None]

_FORM_ESCAPES = {'"': "%22", "\\": "\\\\"} | {
    chr(code): f"%{code:02X}" for code in range(0x20) if code != 0x1B
}
_FORM_ESCAPE = re.compile("|".join(re.escape(char) for char in _FORM_ESCAPES))
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_DIGEST = re.compile(r"(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):", re.IGNORECASE)


class FileChanged(OSError):
    """The file changed size while it was being sent."""


def form_quote(name: str) -> str:
    """A file name as a multipart `filename="..."` parameter carries it (HTML5)."""
    return _FORM_ESCAPE.sub(lambda match: _FORM_ESCAPES[match.group(0)], name)


class MultipartUpload:
    """One file as a multipart/form-data body in the field `file`, of known length."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.size = path.stat().st_size
        boundary = f"cc-tui-{uuid.uuid4().hex}"
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{form_quote(name)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self.length = len(self._head) + self.size + len(self._tail)

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, "Content-Length": str(self.length)}

    async def body(self, progress: Progress | None = None) -> AsyncIterator[bytes]:
        """The body, chunk by chunk; `progress(sent, size)` counts the file's bytes."""
        yield self._head
        sent = 0
        if progress is not None:
            progress(0, self.size)
        file: BinaryIO = await asyncio.to_thread(self.path.open, "rb")
        try:
            while sent < self.size:
                chunk = await asyncio.to_thread(file.read, min(CHUNK_BYTES, self.size - sent))
                if not chunk:
                    raise FileChanged(
                        _("{path} became shorter while it was being sent.").format(path=self.path)
                    )
                sent += len(chunk)
                yield chunk
                if progress is not None:
                    progress(sent, self.size)
            if await asyncio.to_thread(file.read, 1):
                raise FileChanged(_("{path} grew while it was being sent.").format(path=self.path))
        finally:
            await asyncio.to_thread(file.close)
        yield self._tail


def download_name(disposition: str | None, fallback: str) -> str:
    """A plain file name from Content-Disposition (never a path); else `fallback`."""
    name = ""
    if disposition:
        message = EmailMessage()
        message["Content-Disposition"] = disposition
        name = message.get_filename() or ""
    name = _UNSAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if not name:
        name = _UNSAFE_NAME.sub("_", fallback).strip(" .") or "attachment"
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem[: 190 - len(suffix)]}.{suffix}" if dot and len(suffix) < 10 else name[:200]
    return name


def sha256_of_digest(header: str | None) -> str | None:
    """The SHA-256 (hex) a `Repr-Digest` header gives, if it gives one."""
    if not header:
        return None
    match = _DIGEST.search(header)
    if match is None:
        return None
    try:
        raw = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def _create_new(directory: Path, name: str) -> tuple[Path, BinaryIO]:
    """Open a new file named `name` in `directory`, or `stem (n).ext`, never replacing one."""
    directory.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    for n in range(1, 1000):
        candidate = name if n == 1 else f"{stem} ({n}){'.' + suffix if suffix else ''}"
        target = directory / candidate
        try:
            return target, target.open("xb")
        except FileExistsError:
            continue
    raise FileExistsError(
        _("There are too many files named {name} in {directory}.").format(
            name=name, directory=directory
        )
    )


class DigestMismatch(ValueError):
    """The bytes received are not the ones the portal said it sent."""


class WrongKind(ValueError):
    """The bytes received are not of a kind the caller expects (a PDF that is not one)."""


async def save_response(
    response: httpx.Response,
    directory: Path,
    name: str,
    kinds: Collection[Kind] = KINDS,
) -> Path:
    """Stream `response`'s body into a new file in `directory`; check its Repr-Digest and
    that its first bytes are one of `kinds`."""
    expected = sha256_of_digest(response.headers.get("repr-digest"))
    target, file = await asyncio.to_thread(_create_new, directory, name)
    digest = hashlib.sha256()
    head = b""
    try:
        try:
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                if len(head) < 8:
                    head += chunk[:8]
                digest.update(chunk)
                await asyncio.to_thread(file.write, chunk)
        finally:
            await asyncio.to_thread(file.close)
        if expected is not None and digest.hexdigest() != expected:
            raise DigestMismatch(
                _(
                    "The download of {name} does not match the SHA-256 the portal gave for it."
                ).format(name=name)
            )
        if kind_by_signature(head) not in kinds:
            words = _(" or ").join(_(KIND_WORDS[kind]) for kind in kinds)
            raise WrongKind(
                _("The portal sent {what} instead of {words}.").format(
                    what=_(describe_content(head)), words=words
                )
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
