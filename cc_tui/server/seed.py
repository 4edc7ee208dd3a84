"""The demo firms and users of API.md, seeded idempotently.

- A firm or user that already exists is left exactly as it is (a changed password, a
  lockout, a registered device, rights a CCDA changed all survive a restart); a user's
  memberships and rights are granted only when the user is created. Running it twice
  changes nothing.
- The demo password is hashed once per run, and only if some user is missing; all six
  share the hash (argon2 at the default cost is some 50 ms a hash).
- checker@harbour.example logs in by app and must re-register: it gets an old TOTP
  secret, random per database and never shown by any response (tests may read it from
  the database, as a stand-in for the old phone), and `device_registration` "required".
- Rights: makers get every eService's make right for their firm, checkers every check
  right (read from the forms catalogue, via `cc_tui.domain.rights`); the CCDA gets
  `CC_DelegatedAdmin`; the exchange officer has no membership at all.
- Several memberships (issue 16): Harbour Securities holds `B01234` (exchange
  participant) and `C01234` (clearing participant). A clearing participant makes and
  checks no trading forms (`CLEARING_MAKE`, `CLEARING_CHECK`: every eService outside the
  "Trading" category). lead@harbour.example is maker and checker in B01234 and maker only
  in C01234; admin@harbour.example is CCDA of both. A membership that is new to an
  existing store (one seeded before C01234 existed) is granted to the demo users who hold
  it, with their rights, when the firm is created; after that it is left alone too.

The requests seeder is a separate module, `cc_tui.server.seed_requests`, owned by the
requests work: when it exists, `seed_requests_if_available(context)` calls its
`seed_requests(context: ServerContext) -> None`, which reads `context.settings.
seed_requests` (how many) and `seed_random` (the random seed) and must be idempotent too.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from cc_tui.domain import otp
from cc_tui.domain.forms import CATALOGUE
from cc_tui.domain.rights import CHECK_RIGHTS, DELEGATED_ADMIN, MAKE_RIGHTS
from cc_tui.server.context import ServerContext
from cc_tui.server.security import hash_password
from cc_tui.server.store import users
from cc_tui.server.store.users import DeviceNeed, OtpChannel

DEMO_PASSWORD = "Demo-pass-2024"
REQUEST_SEEDER = "cc_tui.server.seed_requests"


@dataclass(frozen=True)
class DemoFirm:
    participant_id: str
    name: str
    kind: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    name: str
    participant_id: str | None
    rights: tuple[str, ...] = ()
    is_exchange_officer: bool = False
    otp_channel: OtpChannel = "email"
    device_registration: DeviceNeed = "none"
    old_device: bool = False
    # Memberships beyond the first: (participant ID, rights in it).
    more: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def memberships(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Every membership of the user with its rights, the first one first."""
        first = () if self.participant_id is None else ((self.participant_id, self.rights),)
        return first + self.more


DEMO_FIRMS = (
    DemoFirm(
        participant_id="B01234",
        name="Harbour Securities Limited",
        kind="exchange_participant",
        address="18/F Harbour Centre, 25 Harbour Road, Wan Chai, Hong Kong",
        contact_name="Grace Leung",
        contact_email="operations@harbour.example",
        contact_phone="+852 2123 4567",
    ),
    DemoFirm(
        participant_id="C01234",
        name="Harbour Securities Limited",
        kind="clearing_participant",
        address="18/F Harbour Centre, 25 Harbour Road, Wan Chai, Hong Kong",
        contact_name="Grace Leung",
        contact_email="clearing@harbour.example",
        contact_phone="+852 2123 4568",
    ),
    DemoFirm(
        participant_id="B05678",
        name="Kowloon Brokers Limited",
        kind="exchange_participant",
        address="9/F Nathan Tower, 368 Nathan Road, Yau Ma Tei, Kowloon",
        contact_name="Daniel Cheung",
        contact_email="settlement@kowloon.example",
        contact_phone="+852 2765 4321",
    ),
)

_MAKE = tuple(sorted(MAKE_RIGHTS))
_CHECK = tuple(sorted(CHECK_RIGHTS))
# What a clearing participant makes and checks: every eService but the trading ones.
_CLEARING_FORMS = [e for e in CATALOGUE.values() if e.category != "Trading"]
CLEARING_MAKE = tuple(sorted({e.make_right for e in _CLEARING_FORMS}))
CLEARING_CHECK = tuple(sorted({e.check_right for e in _CLEARING_FORMS}))

DEMO_USERS = (
    DemoUser("maker@harbour.example", "Mandy Chan", "B01234", _MAKE),
    DemoUser(
        "checker@harbour.example",
        "Kevin Wong",
        "B01234",
        _CHECK,
        otp_channel="app",
        device_registration="required",
        old_device=True,
    ),
    DemoUser(
        "lead@harbour.example",
        "Lydia Lam",
        "B01234",
        _MAKE + _CHECK,
        more=(("C01234", CLEARING_MAKE),),
    ),
    DemoUser(
        "admin@harbour.example",
        "Alan Ho",
        "B01234",
        (DELEGATED_ADMIN,),
        more=(("C01234", (DELEGATED_ADMIN,)),),
    ),
    DemoUser("maker@kowloon.example", "Kelvin Lau", "B05678", _MAKE + _CHECK),
    DemoUser("officer@hkex.example", "Olivia Ng", None, is_exchange_officer=True),
)


def seed_demo(context: ServerContext) -> list[str]:
    """Create the demo firms and users that are missing; returns the user IDs created."""
    db = context.db
    conn = db.connect()
    missing = [u for u in DEMO_USERS if users.get_user(conn, u.user_id) is None]
    new_firms = {
        f.participant_id
        for f in DEMO_FIRMS
        if conn.execute(
            "SELECT 1 FROM memberships WHERE participant_id = ?", (f.participant_id,)
        ).fetchone()
        is None
    }
    if not missing and not new_firms:
        return []
    password_hash = hash_password(context.settings, DEMO_PASSWORD) if missing else None
    now = context.now()
    created: list[str] = []
    with db.transaction() as tx:
        for firm in DEMO_FIRMS:
            tx.execute(
                "INSERT OR IGNORE INTO memberships (participant_id, name, kind, address,"
                " contact_name, contact_email, contact_phone) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    firm.participant_id,
                    firm.name,
                    firm.kind,
                    firm.address,
                    firm.contact_name,
                    firm.contact_email,
                    firm.contact_phone,
                ),
            )
        for user in missing:
            inserted = users.create_user(
                tx,
                user.user_id,
                user.name,
                now,
                password_hash=password_hash,
                is_exchange_officer=user.is_exchange_officer,
                otp_channel=user.otp_channel,
                totp_secret=otp.new_totp_secret() if user.old_device else None,
                device_registration=user.device_registration,
            )
            if not inserted:
                continue
            for participant_id, rights in user.memberships:
                users.add_membership(tx, user.user_id, participant_id)
                users.grant_rights(tx, user.user_id, participant_id, list(rights))
            created.append(user.user_id)
        # A firm new to this store: its existing demo users act for it from now on.
        for user in DEMO_USERS:
            if user in missing:
                continue
            for participant_id, rights in user.memberships:
                if participant_id in new_firms:
                    users.add_membership(tx, user.user_id, participant_id)
                    users.grant_rights(tx, user.user_id, participant_id, list(rights))
    return created


def seed_requests_if_available(context: ServerContext) -> bool:
    """Run the requests seeder when its module exists; True when it ran."""
    if importlib.util.find_spec(REQUEST_SEEDER) is None:
        return False
    module = importlib.import_module(REQUEST_SEEDER)
    seeder: Callable[[ServerContext], object] = module.seed_requests
    seeder(context)
    return True
