"""Session tokens per portal and user: the OS keyring where one works, else memory.

A token in the keyring lets a dropped SSH connection resume without a new login while
the session lives. Headless hosts often have no keyring: `keyring` then answers with its
`fail.Keyring`, a chainer holding no backends, or errors from a locked or absent D-Bus
service. In each case the token stays in this process's memory only, and `pop_notice()`
hands the app one sentence to show, once.

`keyring` is imported on first use, not at import, so the TUI's first frame never waits
for backend discovery; call the methods from a worker thread.
"""

from __future__ import annotations

import threading
from typing import Any

from cc_tui.domain.i18n import N_, _

SERVICE_PREFIX = "cc-tui"
NO_KEYRING_NOTICE = N_("No keyring on this host: you'll log in again next time.")


def _service(server_url: str) -> str:
    return f"{SERVICE_PREFIX} {server_url.rstrip('/')}"


def _usable(backend: Any) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return False
    return not (isinstance(backend, chainer.ChainerBackend) and not backend.backends)


class TokenStore:
    """Load, save and clear the session token of (server URL, user ID).

    `backend` is a keyring backend to use (tests pass one); None asks `keyring` for the
    host's, and `memory_only=True` never touches a keyring at all.
    """

    def __init__(self, backend: Any = None, *, memory_only: bool = False) -> None:
        self._backend = backend
        self._memory_only = memory_only
        self._memory: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._resolved = memory_only
        self._persistent = False if memory_only else None
        self._notice_pending = True
        self.reason: str | None = "kept in memory by choice" if memory_only else None

    @property
    def persistent(self) -> bool:
        """Whether tokens outlive this process (a working keyring)."""
        self._resolve()
        return bool(self._persistent)

    def load(self, server_url: str, user_id: str) -> str | None:
        key = (_service(server_url), user_id)
        with self._lock:
            if key in self._memory:
                return self._memory[key]
        if not self.persistent:
            return None
        try:
            token: str | None = self._backend.get_password(*key)
        except Exception as error:
            self._degrade(error)
            return None
        return token

    def save(self, server_url: str, user_id: str, token: str) -> bool:
        """Keep the token; True when it is in the keyring, False when in memory only."""
        key = (_service(server_url), user_id)
        with self._lock:
            self._memory[key] = token
        if not self.persistent:
            return False
        try:
            self._backend.set_password(*key, token)
        except Exception as error:
            self._degrade(error)
            return False
        return True

    def clear(self, server_url: str, user_id: str) -> None:
        key = (_service(server_url), user_id)
        with self._lock:
            self._memory.pop(key, None)
        if not self.persistent:
            return
        try:
            self._backend.delete_password(*key)
        except Exception as error:
            # Nothing stored is the usual case here (PasswordDeleteError); only a broken
            # backend is worth noting.
            from keyring.errors import PasswordDeleteError

            if not isinstance(error, PasswordDeleteError):
                self._degrade(error)

    def pop_notice(self) -> str | None:
        """The no-keyring sentence, the first time it applies; None after that (and
        never for a store made `memory_only`, which is a choice, not a lack)."""
        if self.persistent or not self._notice_pending or self._memory_only:
            return None
        self._notice_pending = False
        return _(NO_KEYRING_NOTICE)

    def _resolve(self) -> None:
        if self._resolved:
            return
        with self._lock:
            if self._resolved:
                return
            try:
                if self._backend is None:
                    import keyring

                    self._backend = keyring.get_keyring()
                self._persistent = _usable(self._backend)
                if not self._persistent:
                    self.reason = f"no usable keyring backend ({type(self._backend).__name__})"
            except Exception as error:
                self._persistent = False
                self.reason = f"the keyring failed: {error}"
            self._resolved = True

    def _degrade(self, error: Exception) -> None:
        self._persistent = False
        self.reason = f"the keyring failed: {error}"
