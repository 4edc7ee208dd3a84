"""The local draft store: atomic files per portal, user and request, kept until sent."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cc_tui.tui.drafts import Draft, DraftError, DraftStore, unsent_summary

URL = "http://127.0.0.1:8765"
MAKER = "maker@harbour.example"


def draft(**values: object) -> Draft:
    return Draft(
        server_url=URL,
        user_id=MAKER,
        eservice="CT027",
        values=dict(values) or {"new_limit": "8,000,000"},
        autofilled=["participant_id"],
    )


def test_a_saved_draft_reads_back_whole(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    saved = draft(new_limit="8,000,000", trades=[{"trade_ref": "TRD1"}])
    store.save(saved)
    loaded = store.load(URL, MAKER, saved.key)
    assert loaded is not None
    assert loaded.values == {"new_limit": "8,000,000", "trades": [{"trade_ref": "TRD1"}]}
    assert loaded.autofilled == ["participant_id"]
    assert loaded.create_key == saved.create_key
    assert loaded.is_new


def test_drafts_are_kept_apart_by_portal_and_user(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    store.save(draft())
    assert len(store.unsent(URL, MAKER)) == 1
    assert store.unsent(URL, "lead@harbour.example") == []
    assert store.unsent("http://other.example", MAKER) == []


def test_files_are_private_and_no_typed_text_makes_a_path(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    evil = Draft(server_url="http://x/../../etc", user_id="../../root", eservice="CT027", values={})
    path = store.save(evil)
    assert path.resolve().is_relative_to(tmp_path.resolve())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with pytest.raises(ValueError):
        store.path(URL, MAKER, "../outside")


def test_a_reference_replaces_the_new_key_and_removal_forgets_it(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    saved = draft()
    store.save(saved)
    store.assign_ref(saved, "ECS00000042", 1)
    (only,) = store.unsent(URL, MAKER)
    assert only.ref == "ECS00000042" and only.key == "ECS00000042"
    assert only.base_version == 1
    store.remove(only)
    assert store.unsent(URL, MAKER) == []


def test_a_damaged_file_is_skipped_and_a_half_write_never_replaces_a_good_one(
    tmp_path: Path,
) -> None:
    store = DraftStore(tmp_path)
    good = draft()
    path = store.save(good)
    broken = path.parent / ("new-" + "0" * 32 + ".json")
    broken.write_text("{not json", encoding="utf-8")
    (only,) = store.unsent(URL, MAKER)
    assert only.key == good.key
    # No temporary file is left behind by a save.
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert json.loads(path.read_text(encoding="utf-8"))["values"] == good.values


def test_set_aside_keeps_the_values_out_of_the_unsent_list(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    saved = draft()
    store.assign_ref(saved, "ECS00000042", 3)
    kept = store.set_aside(saved)
    assert kept.exists() and "ECS00000042" in kept.name
    assert json.loads(kept.read_text(encoding="utf-8"))["values"] == saved.values
    assert store.unsent(URL, MAKER) == []


def test_an_unwritable_folder_says_what_to_do(tmp_path: Path) -> None:
    blocked = tmp_path / "drafts"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(DraftError, match="ctrl\\+d"):
        DraftStore(blocked).save(draft())


def test_the_login_sentence_names_the_drafts() -> None:
    assert unsent_summary([]) is None
    first = draft()
    first.participant_id = "B01234"
    second = draft()
    second.ref = "ECS00000042"
    text = unsent_summary([second, first])
    assert text is not None
    assert text.startswith("2 unsent drafts kept on this computer: ECS00000042, a new CT027")
    assert "(B01234)" not in text  # one membership: nothing to tell apart


def test_the_login_sentence_names_each_drafts_membership_for_several() -> None:
    first = draft()
    first.participant_id = "C01234"
    older = draft()  # from before drafts named their membership
    text = unsent_summary([first, older], name_memberships=True)
    assert text is not None
    assert text.startswith("2 unsent drafts kept on this computer: a new CT027 form (C01234), ")
    assert "CT027 form (C01234), a new CT027 form. Open" in text
