"""Business rights and the roles they make.

Rights are granted per membership, by business function (DOMAIN.md). Every eService
brings two, its `make_right` and its `check_right`, so this catalogue is derived from
the forms catalogue and never written down twice; to them we add the administrative
rights a CCDA holds. A role ("maker", "checker", "ccda", "exchange_officer") is what a
person may do, as the TUI names it; it is computed from the rights, never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from cc_tui.domain.forms import CATALOGUE
from cc_tui.domain.i18n import _, e_

DELEGATED_ADMIN = "CC_DelegatedAdmin"


class RightKind(StrEnum):
    MAKE = "make"
    CHECK = "check"
    ADMIN = "admin"


class Role(StrEnum):
    """What a user account may be: its roles, granted by rights."""

    MAKER = "maker"
    CHECKER = "checker"
    CCDA = "ccda"
    EXCHANGE_OFFICER = "exchange_officer"


@dataclass(frozen=True)
class BusinessRight:
    code: str
    name: str
    description: str
    kind: RightKind
    eservices: tuple[str, ...] = ()


def _eservice_right(code: str, kind: RightKind, eservices: list[tuple[str, str]]) -> BusinessRight:
    verb, does = (
        ("Make", "Fill in and submit")
        if kind is RightKind.MAKE
        else ("Check", "Approve, return or reject")
    )
    names = "; ".join(f"{ecode} ({name})" for ecode, name in eservices)
    return BusinessRight(
        code=code,
        name=f"{verb} {eservices[0][1]}" + (" and related" if len(eservices) > 1 else ""),
        description=f"{does} requests of {names}.",
        kind=kind,
        eservices=tuple(ecode for ecode, _ in eservices),
    )


def _catalogue() -> dict[str, BusinessRight]:
    # Several eServices may share a right (a request and its withdrawal, say).
    by_right: dict[tuple[str, RightKind], list[tuple[str, str]]] = {}
    for code, eservice in sorted(CATALOGUE.items()):
        by_right.setdefault((eservice.make_right, RightKind.MAKE), []).append((code, eservice.name))
        by_right.setdefault((eservice.check_right, RightKind.CHECK), []).append(
            (code, eservice.name)
        )
    found = {
        code: _eservice_right(code, kind, eservices)
        for (code, kind), eservices in sorted(by_right.items())
    }
    found[DELEGATED_ADMIN] = BusinessRight(
        code=DELEGATED_ADMIN,
        name="Delegated administrator (CCDA)",
        description=(
            "Create business users, grant their rights, suspend or reactivate them, "
            "unlock them and reset their OTP device."
        ),
        kind=RightKind.ADMIN,
    )
    return found


RIGHTS: Mapping[str, BusinessRight] = _catalogue()


def right_words(right: BusinessRight) -> tuple[str, str]:
    """A right's name and description in the current language (GET /admin/rights): the
    catalogue above keeps them in English, as the rights' one definition."""
    if right.kind is RightKind.ADMIN:
        return _("Delegated administrator (CCDA)"), _(
            "Create business users, grant their rights, suspend or reactivate them, "
            "unlock them and reset their OTP device."
        )
    names = [e_(CATALOGUE[code].name) if code in CATALOGUE else code for code in right.eservices]
    first = names[0] if names else right.code
    listed = _("; ").join(
        f"{code} ({name})" for code, name in zip(right.eservices, names, strict=True)
    )
    if right.kind is RightKind.MAKE:
        name = (
            _("Make {eservice} and related") if len(names) > 1 else _("Make {eservice}")
        ).format(eservice=first)
        return name, _("Fill in and submit requests of {eservices}.").format(eservices=listed)
    name = (_("Check {eservice} and related") if len(names) > 1 else _("Check {eservice}")).format(
        eservice=first
    )
    return name, _("Approve, return or reject requests of {eservices}.").format(eservices=listed)


MAKE_RIGHTS = frozenset(code for code, r in RIGHTS.items() if r.kind is RightKind.MAKE)
CHECK_RIGHTS = frozenset(code for code, r in RIGHTS.items() if r.kind is RightKind.CHECK)


def unknown_rights(rights: Iterable[str]) -> list[str]:
    """The codes in `rights` that are not business rights, sorted."""
    return sorted(set(rights) - RIGHTS.keys())


def roles_for(rights: Iterable[str], is_exchange_officer: bool = False) -> list[str]:
    """The roles these rights make, in a fixed order."""
    held = set(rights)
    roles: list[str] = []
    if held & MAKE_RIGHTS:
        roles.append(Role.MAKER.value)
    if held & CHECK_RIGHTS:
        roles.append(Role.CHECKER.value)
    if DELEGATED_ADMIN in held:
        roles.append(Role.CCDA.value)
    if is_exchange_officer:
        roles.append(Role.EXCHANGE_OFFICER.value)
    return roles


def is_ccda(rights: Iterable[str]) -> bool:
    return DELEGATED_ADMIN in set(rights)
