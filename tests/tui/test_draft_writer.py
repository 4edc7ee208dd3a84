"""Draft writes while typing: at most half a second after a change, in a worker thread,
never postponed by more typing, and never bringing back a draft the portal took."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from cc_tui.tui.drafts import WRITE_DELAY, Draft, DraftError, DraftStore, DraftWriter
from tests.tui.test_drafts import MAKER, URL, draft


class Timer:
    """Stands in for asyncio.sleep: records each wait and ends it when told."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.ring = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self.ring.wait()


class ThreadNoting(DraftStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.threads: list[int] = []

    def save(self, draft: Draft, *, durable: bool = False) -> Path:
        self.threads.append(threading.get_ident())
        return super().save(draft, durable=durable)


def on_disk(store: DraftStore, typed: Draft) -> object:
    found = store.load(URL, MAKER, typed.key)
    return None if found is None else found.values["new_limit"]


async def test_typing_is_on_disk_half_a_second_later_written_off_the_event_loop(
    tmp_path: Path,
) -> None:
    store = ThreadNoting(tmp_path)
    timer = Timer()
    problems: list[DraftError] = []
    writer = DraftWriter(store, on_error=problems.append, sleep=timer.sleep)
    typed = draft(new_limit="8")
    for text in ("8,", "8,0", "8,00", "8,000"):  # a steady typist, key after key
        typed.values["new_limit"] = text
        writer.changed(typed)
        await asyncio.sleep(0)
    assert timer.waits == [WRITE_DELAY] == [0.5], "one wait of half a second, never reset"
    assert on_disk(store, typed) is None and writer.pending
    timer.ring.set()
    await writer.idle()
    assert on_disk(store, typed) == "8,000", "the latest keystroke, not the first"
    assert not writer.pending and problems == []
    assert threading.get_ident() not in store.threads, "the event loop never writes"


async def test_a_change_during_a_write_is_written_too(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    timer = Timer()
    timer.ring.set()
    writer = DraftWriter(store, on_error=print, sleep=timer.sleep)
    typed = draft(new_limit="1")
    writer.changed(typed)
    await asyncio.sleep(0)
    typed.values["new_limit"] = "12"
    writer.changed(typed)
    await writer.idle()
    assert on_disk(store, typed) == "12"


async def test_a_draft_removed_while_a_write_is_under_way_stays_removed(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    typed = draft(new_limit="5")
    store.save(typed)
    gate = threading.Event()
    original = store.save

    def slow_save(draft: Draft, *, durable: bool = False) -> Path:
        gate.wait(5)
        return original(draft, durable=durable)

    store.save = slow_save  # type: ignore[method-assign]
    writer = DraftWriter(store, on_error=print, delay=0)
    writer.changed(typed)
    for _ in range(20):  # let the write start in its thread
        await asyncio.sleep(0)
    removed = asyncio.get_running_loop().run_in_executor(None, lambda: remove(writer, typed))
    gate.set()
    await removed
    await writer.idle()
    assert store.load(URL, MAKER, typed.key) is None, "the portal has it: no stale draft"


def remove(writer: DraftWriter, typed: Draft) -> None:
    with writer.exclusive():
        writer.store.remove(typed)


async def test_flush_writes_at_once_and_a_full_disk_is_said(tmp_path: Path) -> None:
    blocked = tmp_path / "drafts"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    problems: list[DraftError] = []
    writer = DraftWriter(DraftStore(blocked), on_error=problems.append, delay=0)
    writer.changed(draft())
    await writer.idle()
    assert len(problems) == 1 and "Could not keep your typed values" in str(problems[0])
    store = DraftStore(tmp_path / "ok")
    typed = draft(new_limit="9")
    DraftWriter(store, on_error=print).flush(typed, durable=True)
    assert on_disk(store, typed) == "9"
