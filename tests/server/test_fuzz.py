"""Never a 500 for what a caller sent (issue 10 point 4): Schemathesis drives every
operation of the served OpenAPI document as a maker, a checker and anonymously, and
fails on any 5xx, any response that does not match the document (its schema, its media
type) and any status code the document does not list for that operation.

The examples per operation are bounded (EXAMPLES) and derandomised, so `make test`
stays within its time and a failure repeats; the app is the in-process ASGI one, with
the demo firms and users seeded, sessions minted in the store.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi import checks as openapi_checks

from cc_tui.api import API_PREFIX
from cc_tui.server.app import create_app
from cc_tui.server.settings import ServerSettings
from tests.server.request_helpers import CHECKER, MAKER, headers_for

Case = schemathesis.Case[APIOperation[Any, Any, Any, Any]]
EXAMPLES = 6
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "portal"
    app = create_app(ServerSettings(data_dir=data_dir, argon2_time_cost=1, argon2_memory_cost=8192))
    yield app
    app.state.context.db.close()


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: FastAPI) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("fuzz_schema")

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# Cases run per test, written to $CC_TUI_FUZZ_REPORT when set (the figure the issue asks
# for: cases run, failures 0).
CASES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_cases() -> Iterator[None]:
    yield
    report = os.environ.get("CC_TUI_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            for role, count in sorted(CASES.items()):
                out.write(f"{role}\t{count}\n")


def _call(case: Case, headers: dict[str, str], role: str) -> None:
    CASES[role] += 1
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_anonymous(case: Case) -> None:
    _call(case, {}, "anonymous")


@schema.parametrize()
@FUZZ
def test_as_maker(case: Case, fuzz_app: FastAPI) -> None:
    _call(case, headers_for(fuzz_app, MAKER), "maker")


@schema.parametrize()
@FUZZ
def test_as_checker(case: Case, fuzz_app: FastAPI) -> None:
    _call(case, headers_for(fuzz_app, CHECKER), "checker")
