"""Periodic jobs: abort untouched requests, forget expired idempotency keys and the
pending secrets of expired logins and enrolments, and remove stored files that no
attachment names (left by a process killed mid-upload).

DOMAIN.md *(ours)*: a Draft or Returned request untouched for 30 days is aborted by the
system, with an audit entry by `system`. `run_housekeeping(context)` does one round and
is what tests call with a FakeClock; `housekeeping_loop` runs a round every few minutes
in the app's lifespan (started by `create_app`).

Each round works in batches of a few hundred requests, one short transaction each, on
the event loop like every other store call (ARCHITECTURE.md: short store calls belong on
the loop); between batches it yields, so users' requests are never held up for long.
Several server processes on one store may all run it: the abort is a version-checked
update, so a request another process aborted first is skipped, never aborted twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from cc_tui.server.context import ServerContext
from cc_tui.server.files import FileStore
from cc_tui.server.store import (
    attachments,
    devices,
    idempotency,
    lockout,
    login,
    request_writes,
)

log = logging.getLogger("cc_tui.server")

HOUSEKEEPING_INTERVAL = timedelta(minutes=5)
ABORT_BATCH = 200


@dataclass(frozen=True)
class HousekeepingResult:
    aborted: list[str]
    keys_forgotten: int
    files_swept: int = 0


def abort_batch(context: ServerContext, limit: int = ABORT_BATCH) -> list[str]:
    """Abort one batch of untouched requests; returns their references."""
    with context.db.transaction() as conn:
        rows = request_writes.abort_untouched(conn, context.now(), limit)
    return [row.ref for row in rows]


def run_housekeeping(context: ServerContext, batch: int = ABORT_BATCH) -> HousekeepingResult:
    """One whole round, synchronously: every request due is aborted."""
    aborted: list[str] = []
    while True:
        refs = abort_batch(context, batch)
        aborted.extend(refs)
        if len(refs) < batch:
            break
    with context.db.transaction() as conn:
        forgotten = idempotency.purge_answers(conn, context.now())
    forget_secrets(context)
    return HousekeepingResult(aborted, forgotten, sweep_files(context))


def forget_secrets(context: ServerContext) -> None:
    """Expired login tickets and Profile enrolments forget their pending secrets; failed
    logins older than the throttle's window are forgotten."""
    now = context.now()
    with context.db.transaction() as conn:
        login.forget_expired_secrets(conn, now)
        devices.forget_expired(conn, now)
        lockout.forget_client_failures(conn, now - context.settings.login_throttle_window)


def sweep_files(context: ServerContext) -> int:
    if not context.settings.files_dir.exists():
        return 0
    files = FileStore(context.settings.files_dir)
    return attachments.sweep_storage(context.db.connect(), files)


async def housekeeping_round(context: ServerContext, batch: int = ABORT_BATCH) -> None:
    """One round on the event loop, yielding between batches."""
    aborted = 0
    while True:
        refs = abort_batch(context, batch)
        aborted += len(refs)
        if len(refs) < batch:
            break
        await asyncio.sleep(0)
    with context.db.transaction() as conn:
        idempotency.purge_answers(conn, context.now())
    forget_secrets(context)
    sweep_files(context)
    if aborted:
        log.info("aborted %d requests untouched for 30 days", aborted)


async def housekeeping_loop(
    context: ServerContext, interval: timedelta = HOUSEKEEPING_INTERVAL
) -> None:
    """Run a round now and then every `interval`, until cancelled. A failed round is
    logged and the loop carries on (a locked store now is usually free next time)."""
    while True:
        try:
            await housekeeping_round(context)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("housekeeping round failed; trying again in %s", interval)
        await asyncio.sleep(interval.total_seconds())
