"""Print SQLite's EXPLAIN QUERY PLAN for every query the dashboard lists run.

Runs each case of `bench/dashboard.py` against a seeded store (made by it, under
--data-root), captures the SQL the store sends (`set_trace_callback`), and prints each
statement's plan and time. docs/request-query-plans.md records its output and the
choices made from it.

Run: `.venv/bin/python bench/query_plans.py [--size 1000000]`
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboard

from cc_tui.server.store import request_planner

_LITERAL_LIST = re.compile(r"'[^']*'(?:,'[^']*')+")


def shorten(sql: str) -> str:
    """The SQL with its column list and long IN lists cut, for reading."""
    sql = sql.replace(request_planner.LIST_COLUMNS, "<columns>")
    sql = _LITERAL_LIST.sub("<list>", sql)
    return sql if len(sql) <= 600 else sql[:560] + f" ... ({len(sql):,} characters)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument(
        "--data-root", type=Path, default=Path(tempfile.gettempdir()) / "cc-tui-bench"
    )
    args = parser.parse_args(argv)
    context, seeded = dashboard.seed_store(args.data_root / f"dashboard-{args.size}", args.size)
    print(f"# {seeded}")
    conn = context.db.connect()
    for case in dashboard.cases(context):
        call = dashboard.store_call(context, case)
        call()
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        call()
        conn.set_trace_callback(None)
        print(f"\n## {case.label}")
        for sql in statements:
            if sql.startswith("--") or "server_keys" in sql or "request_scopes" in sql:
                continue
            started = time.perf_counter()
            conn.execute(sql).fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            print(f"\n{elapsed:.2f} ms  {shorten(sql)}")
            seen: set[str] = set()
            for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
                detail = str(row[3])
                if detail in seen and detail.startswith(("MERGE", "LEFT", "RIGHT")):
                    continue
                seen.add(detail)
                print(f"    {detail}")
    context.db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
