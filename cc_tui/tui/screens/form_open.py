"""What the form opens with: the values, the local draft, whether it may be changed and
what to tell the user, decided from the portal's answers and the draft kept on this
computer (`tui/drafts.py`). The form screen shows what is decided here; nothing here
touches the screen.

- A new request starts from the membership's auto-fill, or from the unsent draft it was
  restored from.
- An existing request starts from the portal's values, unless unsent changes are kept
  for it: those win while the request can still be changed (said, and said louder when
  the portal's version moved on since), and are set aside in a file it names when it
  no longer can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cc_tui.domain.calendar import format_day, to_hkt
from cc_tui.domain.forms import EService, FieldType, get_eservice
from cc_tui.domain.i18n import _
from cc_tui.domain.workflow import Action, Status, may_modify
from cc_tui.tui.drafts import Draft
from cc_tui.tui.widgets.form_field import FieldValue, display_rows, display_text

if TYPE_CHECKING:
    from cc_tui.api.requests import Request
    from cc_tui.client.portal import PortalClient
    from cc_tui.tui.widgets.notice import NoticeKind


@dataclass(frozen=True)
class Keeper:
    """Whose drafts these are: the portal, the user and the acting membership."""

    portal_key: str
    user_id: str
    participant_id: str | None


@dataclass
class Opening:
    eservice: EService
    values: dict[str, Any]
    draft: Draft
    editable: bool
    unsent: bool
    autofill: dict[str, FieldValue] = field(default_factory=dict)
    request: Request | None = None
    message: str = ""
    kind: NoticeKind = "info"


def stored_to_typed(eservice: EService, fields: Mapping[str, Any]) -> dict[str, FieldValue]:
    """A request's stored values as the form's inputs show them."""
    typed: dict[str, FieldValue] = {}
    for form_field in eservice.fields:
        value = fields.get(form_field.name)
        if form_field.type is FieldType.TABLE:
            typed[form_field.name] = display_rows(form_field, value)
        else:
            typed[form_field.name] = display_text(form_field, value)
    return typed


def returned_comment(request: Request) -> str | None:
    """The latest return comment of a Returned request, as one line to put on top."""
    if request.status is not Status.RETURNED:
        return None
    for comment in reversed(request.comments):
        if comment.action is Action.RETURN:
            when = to_hkt(comment.at)
            return "↩ " + _("Returned by {who} ({role}) on {moment}: {comment}").format(
                who=comment.user_id,
                role=comment.role,
                moment=f"{format_day(when.date())} {when:%H:%M}",
                comment=comment.text,
            )
    return "↩ " + _("Returned to you for changes.")


async def open_new(
    portal: PortalClient, keeper: Keeper, eservice_code: str, draft: Draft | None
) -> Opening:
    """A new request of `eservice_code`: auto-filled, or the unsent `draft` restored."""
    eservice = get_eservice(eservice_code)
    if draft is not None:
        values = dict(draft.values)
        autofill = {name: values.get(name, "") for name in draft.autofilled if name in values}
        message = _("Restored the form you had not sent yet (kept on this computer).")
        return Opening(eservice, values, draft, True, True, autofill, message=message)
    filled = await portal.autofill(eservice.code)
    typed = stored_to_typed(eservice, filled)
    autofill = {name: typed[name] for name in filled if name in typed}
    values = {name: typed[name] for name in autofill}
    draft = Draft(
        server_url=keeper.portal_key,
        user_id=keeper.user_id,
        eservice=eservice.code,
        values=values,
        autofilled=list(autofill),
        title=eservice.name,
        participant_id=keeper.participant_id,
    )
    return Opening(eservice, values, draft, True, False, autofill)


def open_request(
    request: Request,
    keeper: Keeper,
    local: Draft | None,
    set_aside: Callable[[Draft], Path],
) -> Opening:
    """The request as the portal has it, or the unsent changes `local` kept for it
    (`set_aside` moves them into a file of their own when they can no longer be sent);
    a request this user may not change opens read only, saying why."""
    ref = request.ref
    eservice = get_eservice(request.eservice)
    editable = may_modify(keeper.user_id, request.maker, request.status)
    message = ""
    kind: NoticeKind = "info"
    if local is not None and not editable:
        kept = set_aside(local)
        local = None
        message = _(
            "Your unsent changes to {ref} can no longer be saved ({ref} is {status}); they "
            "are kept in {kept}."
        ).format(ref=ref, status=_(request.status.label).lower(), kept=kept)
    if local is not None:
        if local.base_version == request.version:
            message = _("Restored the changes you had not sent yet (kept on this computer).")
        else:
            # Changed on the portal since: keep what was typed on screen, say so, and
            # let the next save meet the 409 that offers the reload.
            message = _(
                "{ref} changed on the portal (version {version}) after your unsent changes "
                "here (made on version {base}). Your changes are shown; ctrl+r loads the "
                "portal's version instead."
            ).format(ref=ref, version=request.version, base=local.base_version)
            kind = "error"
        values: dict[str, Any] = dict(local.values)
        return Opening(eservice, values, local, editable, True, {}, request, message, kind)
    if not editable:
        message = (
            _(
                "{ref} is {status}: only a Draft or a Returned request can be changed, and "
                "only by its maker."
            ).format(ref=ref, status=_(request.status.label).lower())
            + f" {message}"
        ).strip()
    values = dict(stored_to_typed(eservice, request.fields))
    draft = Draft(
        server_url=keeper.portal_key,
        user_id=keeper.user_id,
        eservice=eservice.code,
        values=values,
        key=ref,
        ref=ref,
        base_version=request.version,
        title=request.title,
        participant_id=request.participant_id,
    )
    return Opening(eservice, values, draft, editable, False, {}, request, message, kind)


def state_words(
    request: Request | None, draft: Draft | None, *, editable: bool, unsent: bool
) -> str:
    """The form's state line: where the request stands, and where the typed values are."""
    parts: list[str] = []
    if request is not None and draft is not None and draft.ref is not None:
        parts.append(
            f"{request.status.symbol} {_(request.status.label)} · "
            + _("version {version}").format(version=request.version)
        )
    elif draft is not None and draft.ref is not None:
        parts.append(
            f"✎ {_('Draft')} · " + _("version {version}").format(version=draft.base_version)
        )
    else:
        parts.append("✎ " + _("New: not on the portal yet"))
    if not editable:
        parts.append(_("read only"))
    elif draft is not None and draft.ref is None and not unsent:
        parts.append(_("nothing typed yet"))
    elif unsent:
        parts.append(_("unsent changes kept on this computer"))
    else:
        parts.append(_("saved to the portal"))
    return " · ".join(parts)
