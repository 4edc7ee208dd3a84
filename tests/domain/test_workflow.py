"""The maker-checker workflow: DOMAIN.md's table, row by row, for every kind of actor."""

from __future__ import annotations

import itertools

import pytest

from cc_tui.domain.workflow import (
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    TRANSITIONS,
    USER_ACTIONS,
    Action,
    Actor,
    Party,
    Status,
    WorkflowError,
    allowed_actions,
    authorise,
    find_transition,
    may_modify,
    next_status,
)

MAKER_ID = "maker@harbour.example"

# Everyone who may come near a request made by MAKER_ID.
PARTIES = {
    "maker": Party(MAKER_ID, can_make=True, can_check=False),
    # lead@harbour.example: holds both rights, and made this request.
    "maker_with_checker_rights": Party(MAKER_ID, can_make=True, can_check=True),
    "checker": Party("checker@harbour.example", can_make=False, can_check=True),
    "another_maker": Party("other@harbour.example", can_make=True, can_check=False),
    "officer": Party(
        "officer@hkex.example", can_make=False, can_check=False, is_exchange_officer=True
    ),
    "ccda": Party("admin@harbour.example", can_make=False, can_check=False),
}
# Who plays each part of the table on MAKER_ID's request.
PLAYERS = {
    Actor.MAKER: {"maker", "maker_with_checker_rights"},
    Actor.CHECKER: {"checker"},
    Actor.EXCHANGE: {"officer"},
    Actor.SYSTEM: set(),
}

# DOMAIN.md's table, one row per source status. (The "(new) -> save -> Draft" row is the
# creation of a request, POST /requests, not an action on one.)
ROWS = [
    (Status.DRAFT, Action.SUBMIT, Actor.MAKER, Status.PENDING_CHECKER),
    (Status.RETURNED, Action.SUBMIT, Actor.MAKER, Status.PENDING_CHECKER),
    (Status.DRAFT, Action.DISCARD, Actor.MAKER, Status.DISCARDED),
    (Status.RETURNED, Action.DISCARD, Actor.MAKER, Status.DISCARDED),
    (Status.PENDING_CHECKER, Action.WITHDRAW, Actor.MAKER, Status.WITHDRAWN),
    (Status.PENDING_CHECKER, Action.APPROVE, Actor.CHECKER, Status.WITH_EXCHANGE),
    (Status.PENDING_CHECKER, Action.RETURN, Actor.CHECKER, Status.RETURNED),
    (Status.PENDING_CHECKER, Action.REJECT, Actor.CHECKER, Status.REJECTED),
    (Status.WITH_EXCHANGE, Action.COMPLETE, Actor.EXCHANGE, Status.COMPLETED),
    (Status.WITH_EXCHANGE, Action.RETURN, Actor.EXCHANGE, Status.RETURNED),
    (Status.WITH_EXCHANGE, Action.REJECT, Actor.EXCHANGE, Status.REJECTED),
    (Status.DRAFT, Action.ABORT, Actor.SYSTEM, Status.ABORTED),
    (Status.RETURNED, Action.ABORT, Actor.SYSTEM, Status.ABORTED),
]
COMMENTED = {Action.RETURN, Action.REJECT}
PERSON_ROWS = [row for row in ROWS if row[2] is not Actor.SYSTEM]


def row_id(row: tuple[Status, Action, Actor, Status]) -> str:
    return f"{row[0]}-{row[1]}-{row[2]}"


def test_the_table_is_exactly_domain_md() -> None:
    expanded = {
        (status, t.action, t.actor, t.comment_required) for t in TRANSITIONS for status in t.source
    }
    expected = {(s, a, actor, a in COMMENTED) for s, a, actor, _ in ROWS}
    assert expanded == expected


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_each_row_leads_where_the_table_says(row: tuple[Status, Action, Actor, Status]) -> None:
    status, action, actor, target = row
    assert find_transition(status, action, actor) is not None
    assert next_status(status, action, has_exchange_stage=True) is target


@pytest.mark.parametrize("row", PERSON_ROWS, ids=row_id)
@pytest.mark.parametrize("party_name", sorted(PARTIES))
def test_each_row_is_allowed_to_its_actor_and_refused_to_everyone_else(
    row: tuple[Status, Action, Actor, Status], party_name: str
) -> None:
    status, action, actor, _ = row
    party = PARTIES[party_name]
    if party_name in PLAYERS[actor]:
        transition = authorise(party, MAKER_ID, status, action, comment="See note 3.")
        assert transition.actor is actor
        assert action in allowed_actions(party, MAKER_ID, status)
        return
    with pytest.raises(WorkflowError) as refused:
        authorise(party, MAKER_ID, status, action, comment="See note 3.")
    expected = (
        "maker_cannot_check"
        if actor is Actor.CHECKER and party.user_id == MAKER_ID
        else "forbidden"
    )
    assert refused.value.code == expected
    assert refused.value.fix
    assert action not in allowed_actions(party, MAKER_ID, status)


@pytest.mark.parametrize("status", sorted(EDITABLE_STATUSES))
@pytest.mark.parametrize("party_name", sorted(PARTIES))
def test_nobody_aborts_a_request_by_hand(status: Status, party_name: str) -> None:
    with pytest.raises(WorkflowError) as refused:
        authorise(PARTIES[party_name], MAKER_ID, status, Action.ABORT)
    assert refused.value.code == "forbidden"
    assert Action.ABORT not in USER_ACTIONS


@pytest.mark.parametrize("action", [Action.APPROVE, Action.RETURN, Action.REJECT])
def test_the_maker_cannot_check_even_with_checker_rights(action: Action) -> None:
    lead = PARTIES["maker_with_checker_rights"]
    with pytest.raises(WorkflowError) as refused:
        authorise(lead, MAKER_ID, Status.PENDING_CHECKER, action, comment="Looks fine.")
    assert refused.value.code == "maker_cannot_check"
    assert "cannot check" in refused.value.message
    assert "another checker" in (refused.value.fix or "")
    assert allowed_actions(lead, MAKER_ID, Status.PENDING_CHECKER) == [Action.WITHDRAW]


def test_the_same_user_checks_requests_made_by_someone_else() -> None:
    lead = Party("lead@harbour.example", can_make=True, can_check=True)
    allowed = allowed_actions(lead, MAKER_ID, Status.PENDING_CHECKER)
    assert allowed == [Action.APPROVE, Action.RETURN, Action.REJECT]


def test_a_maker_without_the_right_to_make_cannot_submit() -> None:
    former_maker = Party(MAKER_ID, can_make=False, can_check=False)
    with pytest.raises(WorkflowError) as refused:
        authorise(former_maker, MAKER_ID, Status.DRAFT, Action.SUBMIT)
    assert refused.value.code == "forbidden"
    assert allowed_actions(former_maker, MAKER_ID, Status.DRAFT) == [Action.DISCARD]


@pytest.mark.parametrize(
    ("status", "action", "party_name"),
    [
        (Status.PENDING_CHECKER, Action.RETURN, "checker"),
        (Status.PENDING_CHECKER, Action.REJECT, "checker"),
        (Status.WITH_EXCHANGE, Action.RETURN, "officer"),
        (Status.WITH_EXCHANGE, Action.REJECT, "officer"),
    ],
)
@pytest.mark.parametrize("comment", [None, "", "   ", "\n\t"])
def test_return_and_reject_need_a_comment(
    status: Status, action: Action, party_name: str, comment: str | None
) -> None:
    party = PARTIES[party_name]
    with pytest.raises(WorkflowError) as refused:
        authorise(party, MAKER_ID, status, action, comment=comment)
    assert refused.value.code == "validation_failed"
    assert "comment" in refused.value.message
    # The action is still offered: the comment is asked for when it is taken.
    assert action in allowed_actions(party, MAKER_ID, status)


@pytest.mark.parametrize(
    ("status", "action", "party_name"),
    [
        (Status.DRAFT, Action.SUBMIT, "maker"),
        (Status.PENDING_CHECKER, Action.APPROVE, "checker"),
        (Status.PENDING_CHECKER, Action.WITHDRAW, "maker"),
        (Status.WITH_EXCHANGE, Action.COMPLETE, "officer"),
    ],
)
def test_other_actions_need_no_comment(status: Status, action: Action, party_name: str) -> None:
    assert authorise(PARTIES[party_name], MAKER_ID, status, action).action is action


@pytest.mark.parametrize("final", [Status.APPROVED, Status.COMPLETED])
def test_approve_and_complete_go_where_the_eservice_says(final: Status) -> None:
    pending = Status.PENDING_CHECKER
    assert next_status(pending, Action.APPROVE, has_exchange_stage=True) is Status.WITH_EXCHANGE
    assert (
        next_status(pending, Action.APPROVE, has_exchange_stage=False, final_status=final) is final
    )
    assert (
        next_status(
            Status.WITH_EXCHANGE, Action.COMPLETE, has_exchange_stage=True, final_status=final
        )
        is final
    )


def test_final_and_editable_statuses() -> None:
    assert {
        Status.DISCARDED,
        Status.WITHDRAWN,
        Status.REJECTED,
        Status.ABORTED,
        Status.APPROVED,
        Status.COMPLETED,
    } == FINAL_STATUSES
    assert {Status.DRAFT, Status.RETURNED} == EDITABLE_STATUSES
    for status in Status:
        assert status.is_final is (status in FINAL_STATUSES)
        assert status.is_editable is (status in EDITABLE_STATUSES)


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
@pytest.mark.parametrize("party_name", sorted(PARTIES))
def test_final_statuses_have_no_actions(status: Status, party_name: str) -> None:
    party = PARTIES[party_name]
    assert allowed_actions(party, MAKER_ID, status) == []
    for action in Action:
        with pytest.raises(WorkflowError) as refused:
            authorise(party, MAKER_ID, status, action, comment="Too late?")
        assert refused.value.code == "invalid_transition"
        assert status.label.lower() in refused.value.message
    assert not any(status in t.source for t in TRANSITIONS)


@pytest.mark.parametrize("status", sorted(set(Status) - FINAL_STATUSES))
def test_no_status_but_a_final_one_is_a_dead_end(status: Status) -> None:
    assert any(status in t.source for t in TRANSITIONS)


@pytest.mark.parametrize(("status", "party_name"), list(itertools.product(Status, sorted(PARTIES))))
def test_allowed_actions_agrees_with_authorise(status: Status, party_name: str) -> None:
    party = PARTIES[party_name]
    allowed = allowed_actions(party, MAKER_ID, status)
    for action in USER_ACTIONS:
        try:
            authorise(party, MAKER_ID, status, action, comment="Please add the form.")
        except WorkflowError:
            assert action not in allowed
        else:
            assert action in allowed


def test_an_action_from_the_wrong_status_is_an_invalid_transition() -> None:
    with pytest.raises(WorkflowError) as refused:
        authorise(PARTIES["checker"], MAKER_ID, Status.DRAFT, Action.APPROVE)
    assert refused.value.code == "invalid_transition"
    assert refused.value.message == "A request that is draft cannot be approved."
    assert "Reload" in (refused.value.fix or "")


def test_statuses_read_as_words_with_a_symbol() -> None:
    assert Status.PENDING_CHECKER.label == "Pending checker"
    assert Status.WITH_EXCHANGE.label == "With exchange"
    assert all(status.symbol.strip() for status in Status)
    assert Action.DELETE_ATTACHMENT.label == "Delete attachment"


def test_saving_is_creation_not_an_action_on_a_request() -> None:
    assert Action.SAVE not in USER_ACTIONS
    assert set(USER_ACTIONS) == {
        Action.SUBMIT,
        Action.APPROVE,
        Action.RETURN,
        Action.REJECT,
        Action.WITHDRAW,
        Action.DISCARD,
        Action.COMPLETE,
    }


@pytest.mark.parametrize("status", list(Status))
def test_only_the_maker_modifies_and_only_a_draft_or_returned_request(status: Status) -> None:
    editable = status in (Status.DRAFT, Status.RETURNED)
    assert may_modify("maker@harbour.example", "maker@harbour.example", status) is editable
    assert may_modify("checker@harbour.example", "maker@harbour.example", status) is False
    assert may_modify(None, "maker@harbour.example", status) is False
