"""Issue 15, point 2: eService names, descriptions, field labels, help, hints and choices in
both languages from the one definition of each eService (cc_tui/domain/forms/words.py), and
the validators' messages in the current language. Fails when any eService text lacks its
zh-Hant translation, or when the catalogue is not the definitions' current walk."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import cc_tui
from cc_tui.domain.forms import (
    CATALOGUE,
    FieldType,
    choice_label,
    choice_value,
    clean_field,
    format_value,
    get_eservice,
    search_eservices,
    validate_field,
    validate_form,
)
from cc_tui.domain.forms.words import eservice_name, eservice_texts
from cc_tui.domain.i18n import e_, speaking

PACKAGE = Path(cc_tui.__file__).parent
HAN = re.compile(r"[\u4e00-\u9fff]")
# Names that stay as they are in Chinese text (the systems' own names).
AS_IS = {"CCASS", "CCMS"}


def _catalogue(language: str) -> Catalog:
    with (PACKAGE / "locale" / language / "LC_MESSAGES" / "eservices.po").open("rb") as po:
        return read_po(po, locale=language)


def test_the_walk_finds_every_kind_of_text() -> None:
    texts = set(eservice_texts())
    ct027 = CATALOGUE["CT027"]
    assert {ct027.name, ct027.description, ct027.category} <= texts
    assert {"Participant ID", "Increase", "Name", "Title"} <= texts
    assert "Enter the 5-digit stock code, with leading zeros, e.g. 00700." in texts  # a hint
    assert "To ChinaClear (Shanghai)" in texts  # a choice made with an f-string
    assert len(texts) > 100


def test_every_eservice_text_has_its_zh_hant_translation() -> None:
    catalogue = _catalogue("zh_Hant")
    missing = [
        text
        for text in eservice_texts()
        if (entry := catalogue.get(text)) is None or entry.fuzzy or not entry.string
    ]
    assert not missing, (
        f"{len(missing)} eService texts lack a zh_Hant translation (run `make messages`, then "
        f"translate them in cc_tui/locale/zh_Hant/LC_MESSAGES/eservices.po): {missing[:10]}"
    )


def test_translations_are_chinese_and_keep_their_numbers() -> None:
    for entry in _catalogue("zh_Hant"):
        if not entry.id or entry.id in AS_IS:
            continue
        assert isinstance(entry.string, str) and HAN.search(entry.string), entry.id
        # Examples, limits and codes survive translation.
        numbers = re.findall(r"[A-Z]*\d[\d,]*", str(entry.id))
        assert all(number in entry.string for number in numbers), (entry.id, entry.string)


def test_the_english_catalogue_is_the_current_walk() -> None:
    ids = {str(entry.id) for entry in _catalogue("en") if entry.id}
    assert ids == set(eservice_texts()), "run `make messages`"


def test_words_follow_the_context_language() -> None:
    ct027 = get_eservice("CT027")
    assert e_(ct027.name) == "Order Consideration Limit setting"
    with speaking("zh-Hant"):
        assert e_(ct027.name) == "買賣盤金額上限設定"
        assert ct027.field("participant_id").shown_label == "參與者編號"
        assert choice_label("Increase") == "提高"
        # A person's title and a request's title are different words (own catalogue).
        assert get_eservice("DA3").field("administrators").column("title").shown_label == "職銜"
    assert ct027.field("participant_id").shown_label == "Participant ID"
    assert e_("") == ""


def test_a_choice_is_typed_in_either_language_and_stored_in_english() -> None:
    setting = get_eservice("CT027").field("setting_type")
    for typed in ("Increase", "increase", "提高", " 提高 "):
        assert choice_value(setting, typed) == "Increase"
        with speaking("zh-Hant"):
            assert clean_field(setting, typed) == ("Increase", [])
    assert choice_value(setting, "上升") is None
    with speaking("zh-Hant"):
        assert format_value(setting, "Increase") == "提高"
    assert format_value(setting, "Increase") == "Increase"


def test_validators_speak_the_current_language() -> None:
    ct027 = get_eservice("CT027")
    new_limit = ct027.field("new_limit")
    with speaking("zh-Hant"):
        (issue,) = validate_field(new_limit, None)
        assert issue.message == "必須填寫新上限（港元）。"
        assert issue.fix == "請輸入港元金額，由 100,000 至 100,000,000,000，例如 5,000,000。"
        (issue,) = validate_field(new_limit, "12.345")
        assert issue.message == "新上限（港元）最多只可有 2 個小數位。"
        (issue,) = validate_field(ct027.field("effective_date"), "2026-12-05")
        assert issue.message == "生效日期 2026-12-05 是星期六，不是營業日。"
        (issue,) = validate_field(ct027.field("setting_type"), "Sideways")
        assert issue.fix == "請從以下選擇其一：新設上限、提高、降低。"
        values = {"setting_type": "提高", "current_limit": "5,000,000", "new_limit": "100,000"}
        rule = [
            i for i in validate_form(ct027, values, date(2026, 12, 7)) if i.field == "new_limit"
        ]
        assert rule[0].message == "新上限 HKD 100,000 不高於現有上限 HKD 5,000,000。"
        assert rule[0].fix == "請輸入高於 HKD 5,000,000 的上限，或改選「降低」。"
        table = get_eservice("DA3").field("administrators")
        (issue,) = validate_field(table, [])
        assert issue.message == "委派管理員最少需要 1 行；現有 0 行。"
        assert format_value(table, [{"name": "陳大文"}]) == "1 行"
    (issue,) = validate_field(new_limit, None)
    assert issue.message == "New limit (HKD) is required."


@pytest.mark.parametrize(
    "text",
    ["陳大文 Chan Tai Man", "Café 咖啡 ☕ 🚀", "e\u0301te\u0301 ñ 한국어 עברית", "👨‍👩‍👧 家"],
)
def test_mixed_scripts_emoji_and_combining_marks_are_kept_unchanged(text: str) -> None:
    remarks = get_eservice("CT027").field("remarks")
    for language in ("en", "zh-Hant"):
        with speaking(language):
            assert clean_field(remarks, text) == (text, [])
            assert format_value(remarks, text) == text


def test_search_reads_both_languages() -> None:
    with speaking("zh-Hant"):
        assert [e.code for e in search_eservices("金額上限")] == ["CT027"]
        assert [e.code for e in search_eservices("ocl")] == ["CT027"]
    assert search_eservices("金額上限") == []


def test_every_choice_field_has_distinct_labels_in_each_language() -> None:
    for eservice in CATALOGUE.values():
        for field in eservice.fields:
            if field.type is not FieldType.CHOICE:
                continue
            for language in ("en", "zh-Hant"):
                with speaking(language):
                    labels = [choice_label(c).casefold() for c in field.choices or ()]
                    assert len(set(labels)) == len(labels), (eservice.code, field.name)


def test_an_eservices_name_is_said_in_the_readers_language_and_an_unknown_one_as_sent() -> None:
    # The dashboard's preview and the request screen name the eService by its code; the
    # portal's list sends the English name, which a zh-Hant reader should not be shown.
    english = CATALOGUE["CT027"].name
    with speaking("zh-Hant"):
        chinese = eservice_name("CT027", english)
        translated = e_(english)
        unknown = eservice_name("ZZ99", "A form of a newer portal")
    assert chinese == translated != english
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert unknown == "A form of a newer portal"
    assert eservice_name("CT027", "whatever it sent") == english
