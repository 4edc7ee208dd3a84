"""Issue 15, point 3: cc-tui in Traditional Chinese. The language is chosen as documented
(--lang, config.toml, LANG; after login the portal's stored one unless --lang), the login
screen shows no English sentence in zh-Hant, and its 80x24 snapshot aligns wide text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Button, Label, Static

from cc_tui.domain.i18n import current_language, set_default_language
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.config import choose_language
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.screens.otp import OtpScreen
from cc_tui.tui.screens.password_reset import ForgotPasswordScreen, TokenPasswordScreen
from cc_tui.tui.screens.profile import ProfileScreen
from tests.tui.account_helpers import resume_as
from tests.tui.conftest import AppFactory
from tests.tui.fake_portal import USER, FakePortal
from tests.tui.helpers import HomeApp, log_in_with_password, notice, settle, type_into
from tests.tui.test_snapshots import SnapCompare, then

MAKER = "maker@harbour.example"
# Three or more English words in a row: a sentence left untranslated. A URL, the
# product's name and a user ID are no sentence.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,.'-]+[A-Za-z]{2,}){2,}")
ALLOWED = ("Client Connect", "http://", "harbour.example")


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_default_language("en")


def chinese_app(fake: FakePortal, tmp_path: Path, *, forced: bool = False) -> HomeApp:
    return HomeApp(
        "http://127.0.0.1:8765",
        transport=fake.transport,
        token_store=TokenStore(memory_only=True),
        state_dir=tmp_path,
        language="zh-Hant",
        language_forced=forced,
    )


def english_sentences(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        for allowed in ALLOWED:
            text = text.replace(allowed, "")
        found += ENGLISH.findall(text)
    return found


@pytest.mark.parametrize(
    ("flag", "configured", "environ", "language"),
    [
        ("zh-Hant", "en", {"LANG": "en_GB.UTF-8"}, "zh-Hant"),
        ("en", "zh-Hant", {"LANG": "zh_HK.UTF-8"}, "en"),
        ("klingon", "zh-Hant", {}, "en"),  # an unknown --lang is English, no error
        (None, "zh-Hant", {"LANG": "en_GB.UTF-8"}, "zh-Hant"),
        (None, None, {"LANG": "zh_HK.UTF-8"}, "zh-Hant"),
        (None, None, {"LANG": "zh_TW.UTF-8", "LC_ALL": "C.UTF-8"}, "en"),
        (None, None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_HK.UTF-8"}, "zh-Hant"),
        (None, None, {"LANG": "zh_CN.UTF-8"}, "en"),
        (None, None, {}, "en"),
    ],
)
def test_the_language_is_chosen_in_order(
    flag: str | None, configured: str | None, environ: dict[str, str], language: str
) -> None:
    assert choose_language(flag, configured, environ) == language


async def test_the_login_screen_speaks_chinese_only(tmp_path: Path) -> None:
    app = chinese_app(FakePortal(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        texts = [str(w.render()) for w in screen.query(Label)]
        texts += [str(b.label) for b in screen.query(Button)]
        texts += [str(w.render()) for w in screen.query(Static) if w.display]
        texts += [a.binding.description for a in screen.active_bindings.values() if a.binding.show]
        assert "用戶編號（你的電郵地址）" in texts
        assert "忘記密碼" in texts
        assert not english_sentences(texts), english_sentences(texts)
        # The portal hears the language too.
        await pilot.press("enter")
        await settle(pilot)
        assert "請輸入用戶編號" in str(screen.query_one("#notice").render())


@pytest.mark.parametrize(("forced", "after"), [(False, "zh-Hant"), (True, "en")])
async def test_after_login_the_portals_language_wins_unless_forced(
    tmp_path: Path, forced: bool, after: str
) -> None:
    fake = FakePortal()
    fake.user = {**USER, "language": "zh-Hant"}
    app = HomeApp(
        "http://127.0.0.1:8765",
        transport=fake.transport,
        token_store=TokenStore(memory_only=True),
        state_dir=tmp_path,
        language="en",
        language_forced=forced,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert fake.languages[-1] == "en"
        await log_in_with_password(pilot, MAKER, "Demo-pass-2024")
        await pilot.press(*"123456", "enter")
        await settle(pilot)
        assert app.user is not None
        assert app.language == after
        assert current_language() == after
        calls = len(fake.calls)
        await (await app.client()).me()
        assert len(fake.calls) == calls + 1
        assert fake.languages[-1] == after


def test_login_zh_hant(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(chinese_app(FakePortal(), tmp_path), run_before=then())


async def test_the_profile_switches_the_language_and_the_portal_keeps_it(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    resume_as(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert str(app.screen.query_one("#switch-language", Button).label) == "繁體中文"
        await pilot.click("#switch-language")
        await settle(pilot)
        assert app.language == "zh-Hant"
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        assert "繁體中文" in str(screen.query_one("#language-state", Static).content)
        assert "cc-tui 現以繁體中文顯示" in notice(app)
        footer = {a.binding.description for a in screen.active_bindings.values()}
        assert "返回" in footer and "Back" not in footer
        user = await (await app.client()).me()
        assert user.language == "zh-Hant"
        # And back.
        await pilot.click("#switch-language")
        await settle(pilot)
        assert app.language == "en"
        assert (await (await app.client()).me()).language == "en"


def screen_texts(screen: Screen[Any]) -> list[str]:
    texts = [str(w.render()) for w in screen.query(Label)]
    texts += [str(b.label) for b in screen.query(Button) if b.display]
    texts += [str(w.render()) for w in screen.query(Static) if w.display]
    texts += [a.binding.description for a in screen.active_bindings.values() if a.binding.show]
    return texts


async def test_the_password_and_code_screens_speak_chinese_only(tmp_path: Path) -> None:
    app = chinese_app(FakePortal(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, ForgotPasswordScreen)
        assert not english_sentences(screen_texts(app.screen))
        await pilot.click("#have-token")
        await settle(pilot)
        assert isinstance(app.screen, TokenPasswordScreen)
        await type_into(pilot, "#new-password", "short")
        texts = screen_texts(app.screen)
        assert any("最少需要 12 個" in text for text in texts)
        assert not english_sentences(texts), english_sentences(texts)
        await pilot.press("escape")
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, "Demo-pass-2024")
        assert isinstance(app.screen, OtpScreen)
        texts = screen_texts(app.screen)
        assert "輸入一次性密碼" in texts
        assert not english_sentences(texts), english_sentences(texts)
