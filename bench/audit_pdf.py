"""Benchmark: the audit-trail PDF of a request with 500 entries (goal: median <= 300 ms).

Half the entries carry a comment of one to three sentences (some with Chinese and an
emoji, which Helvetica cannot show: that PDF is set in the embedded Chinese font,
server/pdf_font.py), as a long-running request's trail would. Prints the median, the
spread, the page count and the size; then the same trail in English only (Helvetica,
nothing embedded) measured in the same run, and the ratio of the two.

Run: `.venv/bin/python bench/audit_pdf.py [--entries 500] [--runs 15]`
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import datetime, timedelta

from pypdf import PdfReader

from cc_tui.api.requests import AuditEntry, Request
from cc_tui.domain.workflow import Action, Status
from cc_tui.server.clock import HKT
from cc_tui.server.pdf import audit_pdf

GOAL_MS = 300.0
START = datetime(2026, 11, 23, 10, 0, tzinfo=HKT)
CYCLE = (
    ("maker", Action.SUBMIT, Status.DRAFT, Status.PENDING_CHECKER),
    ("checker", Action.RETURN, Status.PENDING_CHECKER, Status.RETURNED),
    ("maker", Action.UPLOAD, Status.RETURNED, Status.RETURNED),
    ("maker", Action.SUBMIT, Status.RETURNED, Status.PENDING_CHECKER),
    ("checker", Action.APPROVE, Status.PENDING_CHECKER, Status.WITH_EXCHANGE),
    ("exchange_officer", Action.RETURN, Status.WITH_EXCHANGE, Status.RETURNED),
)
SENTENCE = "The effective date must be at least three working days after submission. "


def sample_request() -> Request:
    return Request(
        ref="ECS00012345",
        eservice="CT027",
        eservice_name="Order Consideration Limit setting",
        participant_id="B01234",
        status=Status.RETURNED,
        maker="maker@harbour.example",
        updated_at=START,
        created_at=START,
        title="Raise the order consideration limit",
        version=500,
        fields={
            "firm_name": "Harbour Securities Limited",
            "effective_date": "2026-11-30",
            "new_limit": 5_000_000,
            "signatories": [{"name": f"Signatory {i}", "title": "Director"} for i in range(5)],
        },
        attachments=[],
        comments=[],
        allowed_actions=[],
    )


def sample_entries(count: int, chinese: bool = True) -> list[AuditEntry]:
    entries = []
    for i in range(count):
        role, action, source, target = CYCLE[i % len(CYCLE)]
        comment = None
        if i % 2:
            comment = (
                f"Note {i}: "
                + SENTENCE * (1 + i % 3)
                + ("請修正 👍" if chinese and i % 10 == 1 else "")
            )
        entries.append(
            AuditEntry(
                at=START + timedelta(minutes=7 * i),
                user_id=f"{role.split('_')[0]}{i % 7}@harbour.example",
                role=role,
                action=action,
                from_status=source,
                to_status=target,
                comment=comment,
            )
        )
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    request = sample_request()
    entries = sample_entries(args.entries)
    began = time.perf_counter()
    data = audit_pdf(request, entries, START)  # the first call also imports fpdf2
    first = (time.perf_counter() - began) * 1000
    times = []
    for _ in range(args.runs):
        began = time.perf_counter()
        data = audit_pdf(request, entries, START)
        times.append((time.perf_counter() - began) * 1000)
    median = statistics.median(times)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    verdict = "within" if median <= GOAL_MS else "OVER"
    print(
        f"audit PDF, {args.entries} entries: median {median:.1f} ms "
        f"(min {min(times):.1f}, max {max(times):.1f}, {args.runs} runs; first call "
        f"{first:.1f} ms); "
        f"{pages} pages, {len(data) / 1024:.0f} KiB; {verdict} the {GOAL_MS:.0f} ms goal"
    )
    english = sample_entries(args.entries, chinese=False)
    plain = []
    for _ in range(args.runs):
        began = time.perf_counter()
        audit_pdf(request, english, START)
        plain.append((time.perf_counter() - began) * 1000)
    reference = statistics.median(plain)
    print(
        f"the same in English only (Helvetica): median {reference:.1f} ms; with Chinese "
        f"(embedded font) {median / reference:.2f}x that"
    )


if __name__ == "__main__":
    main()
