"""The reference for `bench/throughput.py`: a FastAPI hello-world on uvicorn.

It runs on the same HTTP stack, with the same uvicorn options, as `cc-tui server`
(`runner.uvicorn_options`: event loop, HTTP parser and its guards, no access log), so
that the ratio
of a portal endpoint to it says what the portal's own work costs, not what the stack
costs.

Run: `.venv/bin/python bench/hello_world.py --port 8790 [--workers N]`
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from cc_tui.server.runner import (
    WORKER_PROTOCOL,
    WORKER_SETTINGS_ENV,
    settings_to_text,
    uvicorn_options,
)
from cc_tui.server.settings import ServerSettings

app = FastAPI()


@app.get("/")
async def hello() -> dict[str, str]:
    return {"message": "Hello World"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # Only the settings' HTTP limits are read: the data directory is never touched.
    settings = ServerSettings(data_dir=Path(tempfile.gettempdir()))
    options = uvicorn_options(settings)
    target: object = app
    if args.workers > 1:  # as runner.serve_forever does for the portal
        os.environ[WORKER_SETTINGS_ENV] = settings_to_text(settings)
        options["http"] = WORKER_PROTOCOL
        target = "hello_world:app"
    uvicorn.run(
        target,  # type: ignore[arg-type]
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        **options,
    )


if __name__ == "__main__":
    main()
