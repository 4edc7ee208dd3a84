"""The `cc-tui` command: wiring only.

    cc-tui [--demo | --server URL]     the terminal client
    cc-tui web [--host --port] [--demo | --server URL]   the same client in a browser
    cc-tui server [--host --port ...]  the mock portal alone
    cc-tui mailbox [--to USER]         the mock portal's outbox
    cc-tui config                      the settings in force and where they come from
    cc-tui --version

Every option's help ends with its default (`_Help`); values are checked as they are
parsed, so a bad one is a usage error (exit 2) that says what to give, never a traceback.

Heavy imports (textual, fastapi, uvicorn) happen inside the branch that needs them, so
that the TUI's first frame does not wait for the server stack and vice versa.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cc_tui import __version__


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return super()._get_help_string(action) or text


DATA_DIR_HELP = (
    "where the demo portal keeps its database, files and outbox (default: demo-portal in "
    "cc-tui's user data folder; `cc-tui config` prints it)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cc-tui",
        description="Keyboard-first terminal client for the Client Connect participant portal.",
        epilog="Settings: config.toml and CC_TUI_* variables (see README; `cc-tui config`).",
        formatter_class=_Help,
    )
    parser.add_argument("--version", action="version", version=f"cc-tui {__version__}")
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--demo",
        action="store_true",
        help="start the bundled mock portal on a free loopback port and connect to it",
    )
    target.add_argument(
        "--server",
        metavar="URL",
        help="the portal to connect to (default: `server` in config.toml, or CC_TUI_SERVER)",
    )
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help=DATA_DIR_HELP)
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help="en or zh-Hant (zh-HK, zh-TW too), kept over the portal's stored choice; "
        "default: `language` in config.toml, else the locale (LANG), until login, then the "
        "portal's stored choice; unknown: English",
    )
    # Given by `cc-tui web` to each tab's cc-tui (tui/web.py); not for people.
    parser.add_argument("--in-browser", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--demo-portal", metavar="ID", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    browser = sub.add_parser(
        "web",
        help="serve cc-tui to web browsers (textual-serve)",
        description="Serve cc-tui to web browsers: each browser tab that opens the address "
        "runs its own cc-tui, logged in on its own. Files it saves go to the browser's "
        "downloads. Listens on this machine only (loopback) unless --host says otherwise.",
        formatter_class=_Help,
    )
    browser.set_defaults(usage_error=browser.error)
    browser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    browser.add_argument("--port", type=_port, default=8000, help="the port to listen on")
    browser.add_argument(
        "--public-url",
        metavar="URL",
        type=_public_url,
        help="the address browsers use to reach it, e.g. behind a TLS proxy (default: "
        "http://HOST:PORT; needed with --host 0.0.0.0)",
    )
    browser.add_argument(
        "--max-tabs",
        type=_tab_count,
        default=20,
        metavar="N",
        help="serve at most N browser tabs at once (each runs its own cc-tui process)",
    )
    web_target = browser.add_mutually_exclusive_group()
    web_target.add_argument(
        "--demo",
        action="store_true",
        dest="web_demo",
        help="start the bundled mock portal on a free loopback port and connect every tab to it",
    )
    web_target.add_argument(
        "--server",
        metavar="URL",
        dest="web_server",
        help="the portal to connect to (default: `server` in config.toml, or CC_TUI_SERVER)",
    )
    browser.add_argument(
        "--data-dir", type=Path, dest="server_data_dir", metavar="DIR", help=DATA_DIR_HELP
    )
    browser.add_argument(
        "--lang",
        dest="web_lang",
        metavar="LANG",
        help="the language of every tab: en or zh-Hant (zh-HK, zh-TW too); default: each "
        "tab's as `cc-tui` chooses it (config.toml, the portal's stored choice, the locale)",
    )

    server = sub.add_parser("server", help="run the mock portal alone", formatter_class=_Help)
    server.set_defaults(usage_error=server.error)
    server.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    server.add_argument("--port", type=_port, default=8765, help="the port to listen on")
    server.add_argument(
        "--data-dir", type=Path, dest="server_data_dir", metavar="DIR", help=DATA_DIR_HELP
    )
    server.add_argument(
        "--seed",
        type=_count,
        default=2000,
        metavar="N",
        help="demo requests to seed into a new store",
    )
    server.add_argument(
        "--seed-random", type=int, default=2024, metavar="N", help="random seed for --seed"
    )
    server.add_argument(
        "--smtp",
        type=_smtp_address,
        metavar="HOST:PORT",
        help="send mail through this SMTP relay (default: none, mail goes to the outbox "
        "Maildir in the data folder)",
    )
    server.add_argument(
        "--smtp-starttls", action="store_true", help="switch to TLS (STARTTLS) after connecting"
    )
    server.add_argument("--smtp-user", metavar="USER", help="log in to the relay as USER")
    server.add_argument(
        "--smtp-password-env",
        default="CC_TUI_SMTP_PASSWORD",
        metavar="VAR",
        help="the environment variable holding --smtp-user's password",
    )
    server.add_argument(
        "--session-idle",
        type=_minutes,
        default=30,
        metavar="MINUTES",
        help="a session ends after this many minutes without a request",
    )
    server.add_argument(
        "--session-max",
        type=_hours,
        default=12,
        metavar="HOURS",
        help="a session ends this many hours after login, however busy",
    )
    server.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        metavar="N",
        help="serve from N processes on the one store, to use N cores",
    )
    server.add_argument(
        "--access-log", action="store_true", help="log every request (costs throughput)"
    )

    mailbox = sub.add_parser("mailbox", help="list the mock portal's outbox", formatter_class=_Help)
    mailbox.add_argument("--to", metavar="USER", help="only mail to this user")
    mailbox.add_argument(
        "--data-dir", type=Path, dest="server_data_dir", metavar="DIR", help=DATA_DIR_HELP
    )
    mailbox.add_argument("--last", action="store_true", help="show the newest message in full")

    sub.add_parser(
        "config",
        help="print the config file's path and the settings in force",
        description="Print where cc-tui reads its settings and keeps its data, and each "
        "setting in force with where it came from (default, config.toml or CC_TUI_*).",
        formatter_class=_Help,
    )
    return parser


def _whole(text: str, low: int, high: int, what: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not {what}; give a whole number from {low:,} to {high:,}."
        )
    return number


def _port(text: str) -> int:
    return _whole(text, 1, 65535, "a port")


def _count(text: str) -> int:
    return _whole(text, 0, 1_000_000, "a number of requests")


def _minutes(text: str) -> int:
    return _whole(text, 1, 24 * 60, "a number of minutes")


def _hours(text: str) -> int:
    return _whole(text, 1, 24 * 7, "a number of hours")


def _worker_count(text: str) -> int:
    return _whole(text, 1, 64, "a worker count (one per core)")


def _tab_count(text: str) -> int:
    return _whole(text, 1, 1000, "a number of tabs")


def _public_url(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a web address of a server; give one like "
            "http://portal-host:8000 or https://cc-tui.example.com (no path)."
        )
    return f"{parts.scheme}://{parts.netloc}"


def _smtp_address(text: str) -> str:
    from cc_tui.server.mail import parse_smtp_address

    try:
        host, port = parse_smtp_address(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _default_data_dir() -> Path:
    from cc_tui.tui.config import demo_data_dir

    return demo_data_dir()


def _smtp_login(args: argparse.Namespace) -> str | None:
    """The relay's password, from the environment; a usage error when it cannot be."""
    if not args.smtp and (args.smtp_starttls or args.smtp_user):
        args.usage_error("--smtp-starttls and --smtp-user need --smtp HOST:PORT.")
    if not args.smtp_user:
        return None
    password = os.environ.get(args.smtp_password_env)
    if not password:
        args.usage_error(
            f"--smtp-user {args.smtp_user} needs its password in the environment variable "
            f"{args.smtp_password_env} (set it, or name another with --smtp-password-env); "
            "a password is never given on the command line."
        )
    return password


def _run_server(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from cc_tui.server.runner import serve_forever
    from cc_tui.server.settings import ServerSettings

    password = _smtp_login(args)
    data_dir = args.server_data_dir or _default_data_dir()
    settings = ServerSettings(
        data_dir=data_dir,
        smtp=args.smtp,
        smtp_starttls=args.smtp_starttls,
        smtp_user=args.smtp_user,
        smtp_password=password,
        session_idle=timedelta(minutes=args.session_idle),
        session_absolute=timedelta(hours=args.session_max),
        seed_requests=args.seed,
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


def _run_config() -> int:
    from cc_tui.tui.config import describe_settings

    text, ok = describe_settings()
    print(text)
    return 0 if ok else 2


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "server":
        sys.exit(_run_server(args))
    if args.command == "mailbox":
        sys.exit(_run_mailbox(args))
    if args.command == "config":
        sys.exit(_run_config())
    if args.command == "web":
        sys.exit(_run_web(args))
    sys.exit(_run_tui(args))


def _run_web(args: argparse.Namespace) -> int:
    """`cc-tui web`: the checks a person needs in words, the demo portal when asked, then
    textual-serve until Ctrl+C (tui/web.py)."""
    import shlex

    from cc_tui.tui.web import BrowserServer, is_loopback, is_wildcard, port_in_use

    host, port = args.host, args.port
    if is_wildcard(host) and not args.public_url:
        args.usage_error(
            f"--host {host} listens on every address of this machine; give --public-url, the "
            "address browsers use to reach it (e.g. http://this-host:8000)."
        )
    refused = port_in_use(host, port)
    if refused is not None:
        print(
            f"cc-tui web: cannot listen on {host}:{port} ({refused.strerror or refused}). "
            "Another program (or cc-tui web) may be using that port: give another with "
            "--port, or stop it.",
            file=sys.stderr,
        )
        return 1
    shown_host = f"[{host}]" if ":" in host else host
    public_url = args.public_url or f"http://{shown_host}:{port}"
    if not is_loopback(host):
        print(
            f"cc-tui web: WARNING: listening on {host}, not on this machine only: anyone who "
            f"can reach port {port} here can open cc-tui and try to log in. It speaks plain "
            "HTTP: put it behind a TLS proxy (--public-url https://...) off a trusted "
            "network.",
            file=sys.stderr,
            flush=True,
        )
    command = [sys.executable, "-m", "cc_tui", "--in-browser"]
    portal = None
    if args.web_demo:
        from cc_tui.server.runner import start_background_server
        from cc_tui.server.settings import ServerSettings

        data_dir = args.server_data_dir or _default_data_dir()
        try:
            portal = start_background_server(ServerSettings(data_dir=data_dir, seed_requests=2000))
        except (OSError, RuntimeError) as error:
            print(f"cc-tui web: the demo portal could not start: {error}", file=sys.stderr)
            return 1
        print(f"Demo portal on {portal.url}  (data: {data_dir})", flush=True)
        command += ["--server", portal.url, "--demo-portal", portal.portal_id or ""]
        if args.server_data_dir:
            command += ["--data-dir", str(args.server_data_dir)]
    elif args.web_server:
        command += ["--server", args.web_server]
    else:
        from cc_tui.tui.launch import load_settings

        try:
            server_url = load_settings().server
        except ValueError as error:
            print(f"cc-tui web: {error}", file=sys.stderr)
            return 2
        if not server_url:
            args.usage_error(
                "no portal to connect to: give --server URL, or --demo for the bundled one, "
                "or set `server` in config.toml (`cc-tui config` prints where)."
            )
            return 2
        command += ["--server", server_url]
    # `cc-tui web --lang X` (or `cc-tui --lang X web`): every tab's cc-tui speaks it, as
    # `cc-tui --lang X` in a terminal would (an unknown one is English there, no error).
    lang = args.web_lang or args.lang
    if lang:
        command += ["--lang", lang]
    try:
        BrowserServer(shlex.join(command), host, port, public_url, args.max_tabs).serve()
    except OSError as error:
        print(f"cc-tui web: stopped: {error.strerror or error}", file=sys.stderr)
        return 1
    finally:
        if portal is not None:
            portal.stop()
    return 0


def _run_tui(args: argparse.Namespace) -> int:
    from cc_tui.tui.launch import launch

    if args.demo_portal is not None:
        # A tab of `cc-tui web --demo`: the demo portal runs in the web server's process.
        from cc_tui.server.seed import DEMO_USERS

        return launch(
            server_url=args.server,
            demo=True,
            lang=args.lang,
            portal_id=args.demo_portal or None,
            demo_users=tuple(user.user_id for user in DEMO_USERS),
            demo_data_dir=args.data_dir,
            in_browser=args.in_browser,
        )
    if not args.demo:
        return launch(
            server_url=args.server, demo=False, in_browser=args.in_browser, lang=args.lang
        )
    # Only the CLI may wire the bundled server into the TUI (ARCHITECTURE.md).
    from cc_tui.server.runner import start_background_server
    from cc_tui.server.seed import DEMO_USERS
    from cc_tui.server.settings import ServerSettings

    data_dir = args.data_dir or _default_data_dir()
    settings = ServerSettings(data_dir=data_dir, seed_requests=2000)
    try:
        portal = start_background_server(settings)
    except (OSError, RuntimeError) as error:
        print(f"cc-tui: the demo portal could not start: {error}", file=sys.stderr)
        return 1
    try:
        return launch(
            server_url=portal.url,
            demo=True,
            lang=args.lang,
            portal_id=portal.portal_id,
            demo_users=tuple(user.user_id for user in DEMO_USERS),
            demo_data_dir=args.data_dir,
        )
    finally:
        portal.stop()
