"""The `cc-tui` command: wiring only.

    cc-tui [--demo | --server URL]     the terminal client
    cc-tui server [--host --port ...]  the mock portal alone
    cc-tui mailbox [--to USER]         the mock portal's outbox

Heavy imports (textual, fastapi, uvicorn) happen inside the branch that needs them, so
that the TUI's first frame does not wait for the server stack and vice versa.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cc-tui",
        description="Keyboard-first terminal client for the Client Connect participant portal.",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--demo",
        action="store_true",
        help="start the bundled mock portal on a free loopback port and connect to it",
    )
    target.add_argument("--server", metavar="URL", help="the portal to connect to")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where the demo portal keeps its data (default: user data dir)",
    )
    sub = parser.add_subparsers(dest="command")

    server = sub.add_parser("server", help="run the mock portal alone")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8765)
    server.add_argument("--data-dir", type=Path, dest="server_data_dir")
    server.add_argument(
        "--seed", type=int, default=None, metavar="N", help="seed N demo requests (default 2,000)"
    )
    server.add_argument(
        "--seed-random", type=int, default=2024, metavar="N", help="random seed for --seed"
    )
    server.add_argument("--smtp", metavar="HOST:PORT", help="send mail by SMTP, not to the outbox")
    server.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        metavar="N",
        help="serve from N processes on the one store, to use N cores (default 1)",
    )
    server.add_argument(
        "--access-log", action="store_true", help="log every request (costs throughput)"
    )

    mailbox = sub.add_parser("mailbox", help="list the mock portal's outbox")
    mailbox.add_argument("--to", metavar="USER", help="only mail to this user")
    mailbox.add_argument("--data-dir", type=Path, dest="server_data_dir")
    mailbox.add_argument("--last", action="store_true", help="show the newest message in full")
    return parser


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a worker count; give a whole number from 1 to 64 (one per core)."
        )
    return count


def _default_data_dir() -> Path:
    from cc_tui.tui.config import demo_data_dir

    return demo_data_dir()


def _run_server(args: argparse.Namespace) -> int:
    from cc_tui.server.runner import serve_forever
    from cc_tui.server.settings import ServerSettings

    data_dir = args.server_data_dir or _default_data_dir()
    settings = ServerSettings(
        data_dir=data_dir,
        smtp=args.smtp,
        seed_requests=2000 if args.seed is None else args.seed,
        seed_random=args.seed_random,
    )
    print(f"Mock portal on http://{args.host}:{args.port}  (data: {data_dir})", flush=True)
    serve_forever(settings, args.host, args.port, workers=args.workers, access_log=args.access_log)
    return 0


def _run_mailbox(args: argparse.Namespace) -> int:
    """The outbox, each header and body through the TUI's sanitizer: mail carries what
    people typed (names, titles, comments), and a terminal must not act on it."""
    from cc_tui.server.mail import read_outbox
    from cc_tui.server.settings import ServerSettings
    from cc_tui.tui.safe_text import flatten, shown

    def header(value: object) -> str:
        return shown(flatten(str(value or "")))

    data_dir = args.server_data_dir or _default_data_dir()
    messages = read_outbox(ServerSettings(data_dir=data_dir).mail_dir, args.to)
    if not messages:
        print(f"No mail{' to ' + args.to if args.to else ''} in {data_dir / 'mail'}.")
        return 0
    if args.last:
        last = messages[-1]
        print(f"From: {header(last['From'])}\nTo: {header(last['To'])}")
        print(f"Date: {header(last['Date'])}\nSubject: {header(last['Subject'])}\n")
        print(shown(last.get_content(), multiline=True))
        return 0
    for message in messages:
        print(
            f"{header(message['Date'])}  {header(message['To']):<28}  {header(message['Subject'])}"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "server":
        sys.exit(_run_server(args))
    if args.command == "mailbox":
        sys.exit(_run_mailbox(args))
    sys.exit(_run_tui(args))


def _run_tui(args: argparse.Namespace) -> int:
    from cc_tui.tui.launch import launch

    if not args.demo:
        return launch(server_url=args.server, demo=False)
    # Only the CLI may wire the bundled server into the TUI (ARCHITECTURE.md).
    from cc_tui.server.runner import start_background_server
    from cc_tui.server.settings import ServerSettings

    data_dir = args.data_dir or _default_data_dir()
    settings = ServerSettings(data_dir=data_dir, seed_requests=2000)
    try:
        portal = start_background_server(settings)
    except (OSError, RuntimeError) as error:
        print(f"cc-tui: the demo portal could not start: {error}", file=sys.stderr)
        return 1
    try:
        return launch(server_url=portal.url, demo=True, portal_id=portal.portal_id)
    finally:
        portal.stop()
