"""TokenStore: the keyring where one works; memory and one notice where none does."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail
from keyring.errors import KeyringError, PasswordDeleteError

from cc_tui.tui.credentials import NO_KEYRING_NOTICE, TokenStore

URL = "http://127.0.0.1:8765"
USER = "maker@harbour.example"


class DictKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.items:
            raise PasswordDeleteError("not there")
        del self.items[(service, username)]


class BrokenKeyring(DictKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("D-Bus is not running")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("D-Bus is not running")


def test_a_working_keyring_keeps_the_token_across_stores() -> None:
    backend = DictKeyring()
    first = TokenStore(backend)
    assert first.save(URL, USER, "tok")
    assert first.persistent
    assert first.pop_notice() is None
    # A new process (a new store on the same keyring) finds it: the SSH resume case.
    second = TokenStore(backend)
    assert second.load(URL, USER) == "tok"
    assert second.load(URL, "checker@harbour.example") is None
    assert second.load("http://elsewhere:1", USER) is None
    second.clear(URL, USER)
    assert TokenStore(backend).load(URL, USER) is None
    second.clear(URL, USER)  # clearing twice is harmless


def test_the_fail_backend_keeps_the_token_in_memory_and_says_so_once() -> None:
    store = TokenStore(fail.Keyring())
    assert not store.save(URL, USER, "tok")
    assert store.load(URL, USER) == "tok"
    assert store.pop_notice() == NO_KEYRING_NOTICE
    assert store.pop_notice() is None
    assert store.reason and "Keyring" in store.reason


def test_a_chainer_with_no_backends_is_no_keyring() -> None:
    class EmptyChainer(chainer.ChainerBackend):
        backends: list[KeyringBackend] = []  # noqa: RUF012 (keyring's own class attribute)

    store = TokenStore(EmptyChainer())
    assert not store.persistent
    assert store.pop_notice() == NO_KEYRING_NOTICE


def test_a_keyring_that_errors_degrades_to_memory() -> None:
    store = TokenStore(BrokenKeyring())
    assert not store.save(URL, USER, "tok")
    assert store.load(URL, USER) == "tok"
    assert not store.persistent
    assert store.pop_notice() == NO_KEYRING_NOTICE


def test_memory_only_never_touches_a_keyring() -> None:
    backend = DictKeyring()
    store = TokenStore(backend, memory_only=True)
    store.save(URL, USER, "tok")
    assert backend.items == {}
    store.clear(URL, USER)
    assert store.load(URL, USER) is None
    assert store.pop_notice() is None


def test_the_hosts_keyring_is_found_without_errors() -> None:
    store = TokenStore()
    assert isinstance(store.persistent, bool)
