"""The served OpenAPI document, and the committed copy of it (`cc_tui/api/openapi.json`).

`python -m cc_tui.server.openapi` prints the document the server serves (or writes it
with `--output PATH`; `make openapi` does that). A test fails when the served document
and the committed one differ, so a change to the contract is always deliberate.

Errors leave the server as `application/problem+json` (errors.py), including FastAPI's
own 422s, so `describe_problems` rewrites the generated document to say so: routers
declare their error statuses with `problem_responses(...)`, and every error response
then names the `Problem` schema under the problem+json media type. `describe_security`
declares the bearer scheme, requires it where a session is needed, and adds 401 and
403 there.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cc_tui.api.problem import PROBLEM_MEDIA_TYPE, Problem

COMMITTED = Path(__file__).resolve().parent.parent / "api" / "openapi.json"

_DESCRIPTIONS = {
    400: "Malformed request (problem+json, code `malformed`)",
    401: "Not logged in, expired, or refused (problem+json)",
    403: "Not allowed (problem+json)",
    404: "Unknown (problem+json)",
    409: "Conflict (problem+json)",
    413: "Too large (problem+json)",
    422: "Validation failed (problem+json, with `errors`)",
    423: "Account locked (problem+json)",
    429: "Rate limited (problem+json, with `Retry-After`)",
    503: "Unavailable (problem+json, with `Retry-After`)",
}

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# What any request may be answered, whatever its operation (limits.py, http_protocol.py):
# a body that is not JSON or nests too deep, one that trickles, one over the size limit,
# and a portal at its connection cap. 422 comes with any parameter or body.
_ANY_REQUEST = (400, 408, 413, 503)
_DESCRIPTIONS_ANY = {
    400: "Malformed request, e.g. a body that is not JSON (problem+json, code `malformed`)",
    403: "Not allowed, e.g. a membership not held (problem+json)",
    408: "The body stopped arriving (problem+json, code `timed_out`)",
    413: "Body over the size limit (problem+json, code `too_large`)",
    503: "Unavailable: maintenance or at capacity (problem+json, with `Retry-After`)",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status answered with a Problem."""
    return {
        status: {"model": Problem, "description": _DESCRIPTIONS.get(status, "Error")}
        for status in statuses
    }


def describe_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Every 4xx/5xx response carries a Problem as problem+json (FastAPI's default 422
    model, which the server never sends, is replaced)."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            extra = [*_ANY_REQUEST]
            parameters = operation.get("parameters", [])
            if parameters or operation.get("requestBody"):
                extra.append(422)
            # A membership the caller does not hold (deps.get_principal).
            if any(p.get("name", "").lower() == "x-participant-id" for p in parameters):
                extra.append(403)
            for status in extra:
                responses.setdefault(
                    str(status), {"description": _DESCRIPTIONS_ANY.get(status, "")}
                )
            for status, response in responses.items():
                if str(status)[:1] not in {"4", "5"}:
                    continue
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}}
                if str(status) == "422":
                    response["description"] = _DESCRIPTIONS[422]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault("Problem", problem)
    return document


# Operations anyone may call: the login steps, the service status, the health check.
_PUBLIC_PREFIXES = ("/auth/", "/service/status", "/health")
BEARER = "bearerAuth"


def _is_public(path: str) -> bool:
    tail = path.split("/api/v1", 1)[-1]
    return tail.startswith(_PUBLIC_PREFIXES)


def describe_security(document: dict[str, Any]) -> dict[str, Any]:
    """Declare the bearer scheme and require it on every operation but the public ones,
    which may then also answer 401 (no, an ended or a refused session) and 403 (a
    membership not held); `describe_problems` has added what any request may get."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "The session token from POST /auth/otp: `Authorization: Bearer <token>`.",
    }
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses: set[int] = set()
            if not _is_public(path):
                operation["security"] = [{BEARER: []}]
                statuses |= {401, 403}
            responses = operation["responses"]
            for status in statuses:
                responses.setdefault(
                    str(status),
                    {
                        "description": _DESCRIPTIONS.get(status, "Error"),
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}},
                    },
                )
            operation["responses"] = dict(sorted(responses.items()))
    return document


def install(app: FastAPI) -> None:
    """Serve the rewritten document (built once, then cached by FastAPI's own rule)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_security(describe_problems(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def served_document() -> dict[str, Any]:
    """The document a freshly created server serves (built in a throwaway data dir)."""
    from cc_tui.server.app import create_app
    from cc_tui.server.settings import ServerSettings

    with tempfile.TemporaryDirectory(prefix="cc-tui-openapi-") as tmp:
        app = create_app(ServerSettings(data_dir=Path(tmp), seed_demo=False))
        try:
            return app.openapi()
        finally:
            app.state.context.db.close()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cc_tui.server.openapi",
        description="Print the portal's OpenAPI document (the contract, as served).",
    )
    parser.add_argument("--output", type=Path, help="write it to this file instead")
    args = parser.parse_args(argv)
    text = render(served_document())
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
