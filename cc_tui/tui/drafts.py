"""Unsent form input, kept on this computer until the portal has accepted it.

ARCHITECTURE.md: nothing typed may be lost to a crash, a kill, a dropped SSH connection or
an expired session. The form screen writes its whole state here on every change; the
file is removed only once a save to the portal succeeded with exactly those values.

Design:
- One JSON file per (portal, user, request): `<root>/<portal>/<user>/<key>.json`, where
  the portal is its `portal_id` (the app's `portal_key`; the URL only for a portal that
  reports none), so a portal met again at another URL finds its drafts, and
  the key is the request's reference once it has one, else `new-<32 hex>`. Portal and
  user become directory names through a readable slug plus a hash, so no typed text is
  ever used as a path; keys are checked against those two shapes for the same reason.
- Every write goes to a temporary file in the same directory and is renamed over the old
  one (`os.replace`), so a kill mid-write leaves the previous version, never half a file.
  `durable=True` adds an fsync for the moments that matter most (before leaving, before
  a risky call, when the session ends).
- Typing goes through a `DraftWriter`: the first change starts a half-second timer, and
  when it runs out the latest values are written in a worker thread (never on the event
  loop, so a slow disk never stalls a keystroke). Changes while it waits ride along, and
  a steady typist is written every half second (the timer is not reset by each key), so
  a crash loses at most the last half second of typing. `flush` writes at once (leaving,
  the session ending, before a call to the portal); `exclusive` fences a removal or a
  rename off from a write still under way, so a removed draft never comes back.
- A new request's first save sends `create_key` as its Idempotency-Key: the key lives in
  the file, so even a retry after a crash never creates a second request.
- Directories are 0700 and files 0600: the values are the firm's business.
- Plain Python (json, no pydantic, no textual): read before the first frame if need be.
- A draft names the membership it was typed for (`participant_id`): a user with several
  memberships finds it again only while acting for that one (the catalogue says which
  membership the others belong to), so it is never sent for another. Files from before
  had none, and are offered whichever membership acts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_tui.domain.i18n import _, ngettext
from cc_tui.domain.naming import REF_PATTERN

SCHEMA = 1
WRITE_DELAY = 0.5  # seconds of typing a crash may lose at the most
NEW_PREFIX = "new-"
_NEW_KEY = re.compile(r"new-[0-9a-f]{32}")
_REF_KEY = re.compile(REF_PATTERN)
_SLUG = re.compile(r"[^a-z0-9]+")


class DraftError(Exception):
    """A draft could not be written; the message says where and what to do."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_key() -> str:
    return NEW_PREFIX + uuid.uuid4().hex


def is_valid_key(key: str) -> bool:
    return bool(_NEW_KEY.fullmatch(key) or _REF_KEY.fullmatch(key))


@dataclass
class Draft:
    """What the form holds: the values as typed, and what the portal has seen of them.

    `values` are the form's values as the person typed them (text for every plain field,
    a list of rows of text for a table). `base_version` is the request's version the
    values were made on (None before the first save). `autofilled` names the fields whose
    value came from auto-fill and has not been changed since. `server_url` is the
    portal's key (the app's `portal_key`: its portal_id; named for what it first was).
    """

    server_url: str
    user_id: str
    eservice: str
    values: dict[str, Any]
    key: str = field(default_factory=new_key)
    ref: str | None = None
    base_version: int | None = None
    autofilled: list[str] = field(default_factory=list)
    create_key: str = field(default_factory=lambda: str(uuid.uuid4()))
    title: str = ""
    updated_at: str = field(default_factory=_now)
    participant_id: str | None = None

    @property
    def is_new(self) -> bool:
        """Not yet on the portal: no reference."""
        return self.ref is None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "server_url": self.server_url,
            "user_id": self.user_id,
            "eservice": self.eservice,
            "key": self.key,
            "ref": self.ref,
            "base_version": self.base_version,
            "autofilled": list(self.autofilled),
            "create_key": self.create_key,
            "title": self.title,
            "updated_at": self.updated_at,
            "participant_id": self.participant_id,
            "values": self.values,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        """A draft from its file; raises ValueError for anything that is not one."""
        if data.get("schema") != SCHEMA:
            raise ValueError("not a draft of this version of cc-tui")
        values = data.get("values")
        key = data.get("key")
        if not isinstance(values, dict) or not isinstance(key, str) or not is_valid_key(key):
            raise ValueError("a draft needs its values and a valid key")
        version = data.get("base_version")
        autofilled = data.get("autofilled") or []
        return cls(
            server_url=str(data["server_url"]),
            user_id=str(data["user_id"]),
            eservice=str(data["eservice"]),
            values=values,
            key=key,
            ref=str(data["ref"]) if data.get("ref") else None,
            base_version=int(version) if isinstance(version, int) else None,
            autofilled=[str(name) for name in autofilled if isinstance(name, str)],
            create_key=str(data.get("create_key") or uuid.uuid4()),
            title=str(data.get("title") or ""),
            updated_at=str(data.get("updated_at") or _now()),
            participant_id=str(data["participant_id"]) if data.get("participant_id") else None,
        )


def _slug(text: str) -> str:
    """A directory name for a portal URL or a user ID: readable, short, collision-free."""
    readable = _SLUG.sub("-", text.lower()).strip("-")[:40] or "x"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}"


def drafts_root(state_dir: Path | None) -> Path:
    """The drafts folder: under the app's data dir when it has one, else the default."""
    if state_dir is not None:
        return state_dir / "drafts"
    from cc_tui.tui.config import drafts_dir

    return drafts_dir()


class DraftStore:
    """The draft files of every portal and user under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, server_url: str, user_id: str) -> Path:
        return self.root / _slug(server_url.rstrip("/")) / _slug(user_id.casefold())

    def path(self, server_url: str, user_id: str, key: str) -> Path:
        if not is_valid_key(key):
            raise ValueError(f"{key!r} is not a draft key")
        return self.folder(server_url, user_id) / f"{key}.json"

    def path_of(self, draft: Draft) -> Path:
        return self.path(draft.server_url, draft.user_id, draft.key)

    def save(self, draft: Draft, *, durable: bool = False) -> Path:
        """Write `draft` whole, atomically; `durable` also waits for the disk."""
        draft.updated_at = _now()
        path = self.path_of(draft)
        temporary = path.with_name(f".{draft.key}.{os.getpid()}.tmp")
        text = json.dumps(draft.to_json(), ensure_ascii=False, indent=1)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            os.replace(temporary, path)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise DraftError(
                _(
                    "Could not keep your typed values in {folder} ({reason}). Free some disk "
                    "space or fix the folder's permissions; until then, save to the portal "
                    "with ctrl+d."
                ).format(folder=path.parent, reason=error.strerror or error)
            ) from error
        return path

    def load(self, server_url: str, user_id: str, key: str) -> Draft | None:
        """The draft under `key`, or None (missing, unreadable, or not a draft)."""
        if not is_valid_key(key):
            return None
        return self._read(self.path(server_url, user_id, key))

    def _read(self, path: Path) -> Draft | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Draft.from_json(data) if isinstance(data, dict) else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remove(self, draft: Draft) -> None:
        """Forget `draft`: the portal has its values."""
        with contextlib.suppress(FileNotFoundError):
            self.path_of(draft).unlink()

    def assign_ref(self, draft: Draft, ref: str, version: int) -> None:
        """A new draft got its reference: keep it under the reference from now on.

        The file under the new key is written before the old one goes, so a kill between
        the two leaves both (the same values twice), never neither.
        """
        old_key = draft.key
        draft.ref = ref
        draft.key = ref
        draft.base_version = version
        self.save(draft)
        if old_key != ref:
            with contextlib.suppress(FileNotFoundError):
                self.path(draft.server_url, draft.user_id, old_key).unlink()

    def set_aside(self, draft: Draft) -> Path:
        """Move a draft out of the way (a reload replaced it), keeping the file; returns
        where it now is. It no longer counts as unsent."""
        path = self.path_of(draft)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        kept = path.with_name(f"{draft.key}.replaced-{stamp}.json.bak")
        try:
            os.replace(path, kept)
        except FileNotFoundError:
            self.save(draft)
            os.replace(path, kept)
        return kept

    def unsent(self, server_url: str, user_id: str) -> list[Draft]:
        """Every draft of this user on this portal, newest first."""
        folder = self.folder(server_url, user_id)
        try:
            paths = [p for p in folder.iterdir() if p.suffix == ".json"]
        except OSError:
            return []
        drafts = [draft for draft in map(self._read, paths) if draft is not None]
        return sorted(drafts, key=lambda draft: draft.updated_at, reverse=True)


def unsent_summary(drafts: list[Draft], *, name_memberships: bool = False) -> str | None:
    """One sentence about unsent drafts, for the moment after login (None if none);
    `name_memberships` (a user of several): each draft's membership after it."""
    if not drafts:
        return None
    names = [
        (draft.ref or _("a new {eservice} form").format(eservice=draft.eservice))
        + (f" ({draft.participant_id})" if name_memberships and draft.participant_id else "")
        for draft in drafts[:3]
    ]
    listed = _(", ").join(names)
    if len(drafts) > 3:
        listed = _("{some} and {count} more").format(some=listed, count=len(drafts) - 3)
    count = len(drafts)
    return ngettext(
        "{count} unsent draft kept on this computer: {drafts}. Open New request (n, or "
        "ctrl+p) to carry on with them.",
        "{count} unsent drafts kept on this computer: {drafts}. Open New request (n, or "
        "ctrl+p) to carry on with them.",
        count,
    ).format(count=count, drafts=listed)


class DraftWriter:
    """Writes one form's draft at most `delay` seconds after it changed, off the event
    loop (see the module's docstring). Use from the event loop's thread."""

    def __init__(
        self,
        store: DraftStore,
        *,
        on_error: Callable[[DraftError], object],
        delay: float = WRITE_DELAY,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.delay = delay
        self._on_error = on_error
        self._sleep = sleep
        self._lock = threading.Lock()  # one write at a time: a temporary file per draft
        self._draft: Draft | None = None
        self._changes = 0  # counts changes; a write carries the count it saw
        self._written = 0
        self._valid_from = 0  # writes of changes before this were fenced off
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        """Whether a change is not on disk yet."""
        return self._written < self._changes

    def changed(self, draft: Draft) -> None:
        """`draft` changed: have it on disk within `delay` seconds."""
        self._draft = draft
        self._changes += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._write_later())

    async def _write_later(self) -> None:
        await self._sleep(self.delay)
        while self.pending and self._draft is not None:
            seen = self._changes
            snapshot = Draft.from_json(self._draft.to_json())  # taken on the loop
            try:
                await asyncio.to_thread(self._save, snapshot, seen, False)
            except DraftError as error:
                self._on_error(error)
                return

    def _save(self, draft: Draft, seen: int, durable: bool) -> None:
        with self._lock:
            if seen < self._valid_from or seen <= self._written:
                return  # fenced off, or something newer is on disk already
            self.store.save(draft, durable=durable)
            self._written = seen

    async def idle(self) -> None:
        """Wait until what changed is on disk (tests, and anyone about to read the file)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    def flush(self, draft: Draft, *, durable: bool = False) -> None:
        """Write `draft` now, on this thread (raises DraftError)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._draft = draft
        self._changes += 1
        self._save(draft, self._changes, durable)

    def remove(self, draft: Draft) -> None:
        """Remove `draft`'s file, fenced off from a write under way (`exclusive`)."""
        with self.exclusive():
            self.store.remove(draft)

    def assign_ref(self, draft: Draft, ref: str, version: int) -> None:
        """`DraftStore.assign_ref`, fenced off from a write under way."""
        with self.exclusive():
            self.store.assign_ref(draft, ref, version)

    def set_aside(self, draft: Draft) -> Path:
        """`DraftStore.set_aside`, fenced off from a write under way."""
        with self.exclusive():
            return self.store.set_aside(draft)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold writes off while the draft's file is removed or renamed; a write of an
        older change still under way is dropped rather than bring the file back."""
        with self._lock:
            self._valid_from = self._changes + 1
            self._written = max(self._written, self._changes)
            yield
