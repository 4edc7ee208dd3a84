"""eServices: the catalogue a user may make, one form's definition, and its auto-fill.

- `GET /eservices?q=` lists only the eServices whose make right the acting membership
  holds (an exchange officer, a CCDA or a pure checker sees none), searched by the
  domain's `search_eservices`, best match first.
- `GET /eservices/{code}` describes any eService to any logged-in user: a checker reads
  the form of the request it checks. 404 for an unknown code.
- `GET /eservices/{code}/autofill` gives the acting membership's values for the form's
  auto-fill fields; a user acting for no membership gets none.
All are reads, so they answer during the maintenance window too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from cc_tui.api.forms import eservice_definition, eservice_summaries
from cc_tui.api.problem import ProblemCode
from cc_tui.api.requests import EServiceDefinition, EServiceSummary
from cc_tui.domain.forms import EService, UnknownEService, autofill, get_eservice, search_eservices
from cc_tui.server.deps import Context, CurrentPrincipal
from cc_tui.server.errors import ApiError
from cc_tui.server.openapi import problem_responses
from cc_tui.server.store.profiles import membership_profile

router = APIRouter(prefix="/eservices", tags=["eservices"])


def find_eservice(code: str) -> EService:
    """The eService with `code`, or 404 `not_found` with what to do."""
    try:
        return get_eservice(code)
    except UnknownEService as unknown:
        raise ApiError(404, ProblemCode.NOT_FOUND, unknown.message, unknown.fix) from None


@router.get("", responses=problem_responses(401, 403))
async def list_eservices(
    principal: CurrentPrincipal,
    q: Annotated[str, Query(max_length=200, description="Words to search for")] = "",
) -> list[EServiceSummary]:
    return eservice_summaries(search_eservices(q, principal.rights))


@router.get("/{code}", responses=problem_responses(401, 403, 404))
async def get_eservice_definition(code: str, principal: CurrentPrincipal) -> EServiceDefinition:
    return eservice_definition(find_eservice(code))


@router.get("/{code}/autofill", responses=problem_responses(401, 403, 404))
async def get_autofill(code: str, context: Context, principal: CurrentPrincipal) -> dict[str, Any]:
    eservice = find_eservice(code)
    if principal.participant_id is None:
        return {}
    profile = membership_profile(context.db.connect(), principal.participant_id)
    return autofill(eservice, profile) if profile is not None else {}
