"""Password hashing (argon2id) and small secret helpers.

- Argon2 costs tens of milliseconds by design, so the async endpoints call
  `hash_password_async` / `verify_password_async`, which run it on the hashing pool and
  keep the event loop free; the seed (no loop) calls the plain functions. The pool has
  `HASHING_THREADS` threads: argon2 releases the GIL, so forty logins at once were forty
  threads taking the cores from the event loop (every other request waited seconds) and
  19 MiB of memory each; now logins queue instead. The queue is the pool's own: a
  thread takes the next hash as soon as it is done with one. (It was an anyio limiter,
  which hands each waiting hash over on the event loop: with the loop busy serving 200
  users, each hand-over waited its turn there, the hashing thread sat idle two thirds
  of the time, and half the logins of bench/soak.py took over 30 seconds.)
- An unknown user, a user with no password yet and a wrong password must cost the same,
  or the response time would tell which user IDs exist: `verify_or_dummy` verifies
  against a dummy hash made with the same parameters when there is no real hash.
- Codes and tokens are compared as hashes with `hmac.compare_digest`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cc_tui.server.settings import ServerSettings

TOKEN_BYTES = 32  # 256 bits from `secrets`, for tickets and reset tokens
# Half the cores hash passwords at most; the rest serve everything else.
HASHING_THREADS = max(1, (os.cpu_count() or 2) // 2)
_hashing_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


@lru_cache(maxsize=8)
def _dummy_hash(time_cost: int, memory_cost: int) -> str:
    return _hasher(time_cost, memory_cost).hash(secrets.token_urlsafe(16))


def hasher(settings: ServerSettings) -> PasswordHasher:
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_cost)


def hash_password(settings: ServerSettings, password: str) -> str:
    return hasher(settings).hash(password)


def verify_or_dummy(settings: ServerSettings, stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`; with no hash, spend the same effort on a
    dummy and answer False."""
    ph = hasher(settings)
    if stored_hash is None:
        dummy = _dummy_hash(settings.argon2_time_cost, settings.argon2_memory_cost)
        with contextlib.suppress(VerificationError):
            ph.verify(dummy, password)
        return False
    try:
        return ph.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(settings: ServerSettings, stored_hash: str) -> bool:
    """True when the hash was made with other costs than the settings' (e.g. a seed made
    cheaply), so a successful login may store a fresh one."""
    try:
        return hasher(settings).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


async def hash_password_async(settings: ServerSettings, password: str) -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hashing_pool, hash_password, settings, password)


async def verify_password_async(
    settings: ServerSettings, stored_hash: str | None, password: str
) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _hashing_pool, verify_or_dummy, settings, stored_hash, password
    )


def new_token() -> str:
    """A random token (tickets, reset tokens): 256 bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_code(ticket_hash: str, code: str) -> str:
    """An e-mail code's stored form: bound to its ticket, so it is good for no other login."""
    return hashlib.sha256(f"{ticket_hash}:{code}".encode()).hexdigest()


def same_hash(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a, b)
