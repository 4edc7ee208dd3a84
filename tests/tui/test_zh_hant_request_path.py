"""Issue 15, points 1 and 3: the request path in zh-Hant. The form and the request
screens at 80x24 in Traditional Chinese (labels, help, choices and the portal's words
double-width, every line cut by display width), and the catalogue, form, request,
comment and y/N screens show no English sentence where one is checkable: what is left in
Latin letters is a reference, a code, a user ID, an e-mail address, an amount's currency
or a key's name, never words of the program or of the eService's definition.

The portal runs with its clock held (as in test_request_snapshots.py), so the SVGs are
the same every run. A field value mixing scripts, emoji and combining marks is shown and
sent back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

from cc_tui.domain.i18n import set_default_language
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.comment import CommentScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.request import RequestScreen
from tests.tui.maker_checker import (
    LEAD,
    MAKER,
    FormsApp,
    PortalApi,
    leave_field,
    resume_as,
    settle,
    type_in,
)
from tests.tui.test_request_snapshots import (
    SnapCompare,
    open_ct027,
    open_request,
    pending_request,
    then,
)

# Three or more words of Latin letters in a row: an English phrase left untranslated.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,.'/-]+[A-Za-z]{2,}){2,}")
# What stays in Latin letters on a Chinese screen: names of systems and the like.
ALLOWED = ("Client Connect", "OSC 52", "CCASS", "CCMS", "YYYY-MM-DD", "cc-tui")


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_default_language("en")


def chinese_app(
    user: str,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> PortalApp:
    store = TokenStore(memory_only=True)
    resume_as(user, live_portal.url, server_settings, state_dir, store)
    return FormsApp(
        live_portal.url,
        token_store=store,
        state_dir=state_dir,
        language="zh-Hant",
        language_forced=True,
    )


def english_sentences(screen: Screen[Any], data: tuple[str, ...] = ()) -> list[str]:
    """Every run of English words drawn on `screen` (its labels, statics, inputs'
    placeholders, footer keys), with the allowed names and the request's own `data` (what
    people typed: a firm's name, a contact's) taken out first."""
    texts = [str(w.render()) for w in screen.query(Label) if w.display]
    texts += [str(w.render()) for w in screen.query(Static) if w.display]
    texts += [w.placeholder for w in screen.query(Input)]
    texts += [a.binding.description for a in screen.active_bindings.values() if a.binding.show]
    found: list[str] = []
    for text in texts:
        for allowed in (*data, *ALLOWED):
            text = text.replace(allowed, "")
        text = re.sub(r"[\w.+-]+@[\w.-]+", "", text)  # user IDs and e-mail addresses
        found += ENGLISH.findall(text)
    return found


async def wrong_limit_and_a_chinese_remark(pilot: Pilot[Any]) -> None:
    await type_in(pilot, "new_limit", "5000")
    await leave_field(pilot)


def test_form_zh_hant_80x24(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    app = chinese_app(MAKER, live_portal, server_settings, state_dir)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=then(open_ct027, wrong_limit_and_a_chinese_remark)
    )


def test_request_zh_hant_80x24(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
) -> None:
    ref = pending_request(live_portal.url, server_settings)
    app = chinese_app(LEAD, live_portal, server_settings, state_dir)
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(open_request(ref)))


MIXED = "陳大文 Chan Tai Man ☕🚀 e\u0301te\u0301 👨‍👩‍👧"


async def test_the_request_path_shows_no_english_sentence_in_zh_hant(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = chinese_app(MAKER, live_portal, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CatalogueScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogueScreen)
        assert "新申請：尋找表格" in [str(w.render()) for w in screen.query(Static)]
        assert not english_sentences(screen), english_sentences(screen)
        # The highlighted eService's description, from the portal in Chinese.
        assert "設定或更改" in str(screen.query_one("#catalogue-description", Static).render())

        app.push_screen(FormScreen.new("CT027"))
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        labels = [str(w.render()) for w in form.query(Label)]
        assert "參與者編號 *" in labels and "新上限（港元） *" in labels
        select = form.query_one("#input-setting_type", Select)
        assert [str(prompt) for prompt, _value in select._options[1:]] == [
            "新設上限",
            "提高",
            "降低",
        ]
        await type_in(pilot, "new_limit", "5000")
        await leave_field(pilot)
        assert any(
            "新上限（港元）最少為 100,000" in t
            for t in form.row("new_limit").error_text.split("\n")
        )
        # A remark in several scripts, with emoji and combining marks, kept as typed.
        await type_in(pilot, "remarks", MIXED)
        await leave_field(pilot)
        assert form.row("remarks").value == MIXED
        assert not english_sentences(form), english_sentences(form)
        # Submitting with problems: the count and the fields, in Chinese.
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert not english_sentences(form), english_sentences(form)
        await type_in(pilot, "new_limit", "8,000,000")
        select.value = "Increase"
        await type_in(pilot, "current_limit", "5,000,000")
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert form.request is not None
        assert form.request.fields["setting_type"] == "Increase"
        assert form.request.fields["remarks"] == MIXED
        assert not english_sentences(form), english_sentences(form)


async def test_the_request_and_its_questions_show_no_english_sentence_in_zh_hant(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    maker = PortalApi(live_portal.url, server_settings, MAKER)
    try:
        values = maker.good_values() | {"remarks": MIXED}
        request = maker.act(maker.create("CT027", values), "submit")
        ref = str(request["ref"])
    finally:
        maker.close()
    data = tuple(str(v) for v in request["fields"].values() if isinstance(v, str))
    app = chinese_app(LEAD, live_portal, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(RequestScreen(ref))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RequestScreen)
        drawn = [str(w.render()) for w in screen.query(Static) if w.display]
        assert any("買賣盤金額上限設定" in text for text in drawn)
        assert any("待覆核" in text for text in drawn)
        assert any(MIXED in text for text in drawn)  # shown unchanged
        assert not english_sentences(screen, data), english_sentences(screen, data)
        for tab in ("2", "3", "4"):
            await pilot.press(tab)
            await settle(pilot)
            assert not english_sentences(screen, data), (tab, english_sentences(screen, data))
        await pilot.press("r")  # return: the comment editor
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        assert not english_sentences(app.screen), english_sentences(app.screen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a")  # approve: y/N
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert not english_sentences(app.screen), english_sentences(app.screen)
        await pilot.press("n")
        await settle(pilot)
