"""Participant IDs, reference numbers and supporting-document file names.

The file-name rule (DOMAIN.md) is `Supporting Document_<Ref>_<Xnnnnn>[_0<n>].<ext>`.
People get it wrong often, so `check_supporting_document_name` never stops at the
first fault: it reads a wrong name as charitably as it can (a "skeleton" with look-alike
characters folded to ASCII, control characters dropped, surrounding blanks trimmed, the
folder part cut off), says every reason the name fails in a sentence a user can act on,
and offers the corrected name with the lowest free suffix.

Only plain ASCII is accepted: a Cyrillic 'С' or a full-width '１' looks right on screen
but is a different name to every program that reads it later. The check is also the
server's first line against hostile names (NUL, `../`, absolute paths), though the
server never uses a user's name as a path anyway.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from cc_tui.domain.i18n import N_, _

PARTICIPANT_ID_PATTERN = r"[A-Z]\d{5}"
PARTICIPANT_ID_EXAMPLE = "B01234"
_PARTICIPANT_ID = re.compile(PARTICIPANT_ID_PATTERN, re.ASCII)

REF_PREFIX = "ECS"
REF_DIGITS = 8
REF_MIN = 1
REF_MAX = 99_999_999
REF_PATTERN = rf"{REF_PREFIX}\d{{{REF_DIGITS}}}"
REF_EXAMPLE = "ECS00012345"
_REF = re.compile(rf"{REF_PREFIX}(\d{{{REF_DIGITS}}})", re.ASCII)

DOCUMENT_PREFIX = "Supporting Document"
ALLOWED_EXTENSIONS = ("pdf", "xls", "xlsx")
MAX_SUFFIX = 9
# One name without a suffix, then _01 to _09.
NAMES_PER_EXTENSION = MAX_SUFFIX + 1
MAX_NAME_BYTES = 255
# Beyond this many characters a name is only reported as too long: parsing it further
# would cost time and tell the user nothing more.
_MAX_PARSED_CHARS = 1024


# Participant IDs ---------------------------------------------------------------------


def is_participant_id(value: str) -> bool:
    return _PARTICIPANT_ID.fullmatch(value) is not None


def participant_id_error(value: str) -> str | None:
    """None if `value` is a participant ID, else a sentence saying what is wrong."""
    if is_participant_id(value):
        return None
    shape = _("one upper-case letter then five digits, such as {example}").format(
        example=PARTICIPANT_ID_EXAMPLE
    )
    if not value.strip():
        return _("Enter a participant ID: {shape}.").format(shape=shape)
    hint = ""
    if is_participant_id(value.strip()):
        hint = _(" Remove the blanks around it.")
    elif is_participant_id(value.strip().upper()):
        hint = _(" Write the letter in capitals: {upper}.").format(upper=value.strip().upper())
    return _("{value} is not a participant ID: use {shape}.{hint}").format(
        value=repr(value), shape=shape, hint=hint
    )


def normalise_participant_id(text: str) -> str:
    """A participant ID as a user may type it: blanks stripped, letters upper-cased."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


# Reference numbers -------------------------------------------------------------------


def format_ref(number: int) -> str:
    """The reference number of request `number`: `ECS` then 8 digits."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"A reference number is made from an int, not {type(number).__name__}.")
    if not REF_MIN <= number <= REF_MAX:
        raise ValueError(
            f"{number} cannot be a reference number: it must be from {REF_MIN} to {REF_MAX:_}."
        )
    return f"{REF_PREFIX}{number:0{REF_DIGITS}d}"


def parse_ref(text: str) -> int:
    """The number in a reference (`ECS00012345` -> 12345); ValueError if not a reference."""
    match = _REF.fullmatch(text)
    if match is None or int(match.group(1)) < REF_MIN:
        raise ValueError(
            f"{text!r} is not a reference number: write {REF_PREFIX} then {REF_DIGITS} digits, "
            f"such as {REF_EXAMPLE}."
        )
    return int(match.group(1))


def is_ref(text: str) -> bool:
    try:
        parse_ref(text)
    except ValueError:
        return False
    return True


def normalise_ref(text: str) -> str:
    """A reference as a user may type it: blanks removed, letters upper-cased.

    Full-width characters are folded to ASCII (NFKC) too. The result may still not be a
    reference; check it with `is_ref` or `parse_ref`.
    """
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


# Supporting-document names -----------------------------------------------------------


class NameFault(StrEnum):
    """Why a supporting-document name fails; one per reason given."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    CONTROL_CHARACTER = "control_character"
    PATH = "path"
    SURROUNDING_SPACE = "surrounding_space"
    NON_ASCII = "non_ascii"
    PREFIX = "prefix"
    SEPARATOR = "separator"
    MISSING_REF = "missing_ref"
    WRONG_REF = "wrong_ref"
    MISSING_PARTICIPANT_ID = "missing_participant_id"
    WRONG_PARTICIPANT_ID = "wrong_participant_id"
    SUFFIX = "suffix"
    EXTRA_TEXT = "extra_text"
    STRAY_DOT = "stray_dot"
    NO_EXTENSION = "no_extension"
    EXTENSION = "extension"
    DOUBLE_EXTENSION = "double_extension"
    TAKEN = "taken"
    NO_FREE_NAME = "no_free_name"


@dataclass(frozen=True)
class NameCheck:
    """The verdict on one file name.

    `reasons` has one sentence per fault, in reading order; `faults` says which rule
    each one breaks (same order). `corrected` is the name to use instead: None when the
    name is fine, or when no allowed extension can be told from it, or when every free
    name is taken.
    """

    name: str
    ok: bool
    reasons: tuple[str, ...]
    corrected: str | None
    faults: tuple[NameFault, ...] = field(default=())


def supporting_document_name(
    ref: str, participant_id: str, extension: str, suffix: int | None = None
) -> str:
    """The name the rule asks for, e.g. `Supporting Document_ECS00012345_B01234_02.pdf`."""
    _require_request(ref, participant_id)
    ext = _allowed_extension(extension)
    if suffix is not None and not 1 <= suffix <= MAX_SUFFIX:
        raise ValueError(f"A suffix is from 1 to {MAX_SUFFIX}, not {suffix}.")
    tail = "" if suffix is None else f"_0{suffix}"
    return f"{DOCUMENT_PREFIX}_{ref}_{participant_id}{tail}.{ext}"


def next_free_name(
    ref: str, participant_id: str, extension: str, taken: Collection[str]
) -> str | None:
    """The first of the name without suffix, then `_01` ... `_09`, not in `taken`.

    Names compare case-insensitively, as on the file systems people attach from.
    None when all ten are taken.
    """
    used = {name.lower() for name in taken}
    for suffix in (None, *range(1, MAX_SUFFIX + 1)):
        candidate = supporting_document_name(ref, participant_id, extension, suffix)
        if candidate.lower() not in used:
            return candidate
    return None


def check_supporting_document_name(
    name: str, ref: str, participant_id: str, taken: Collection[str] = ()
) -> NameCheck:
    """Check `name` for an attachment to the request `ref` of `participant_id`.

    `taken` holds the names already attached to the request. Every reason the name
    fails is returned, with the corrected name where one can be given.
    """
    _require_request(ref, participant_id)
    problems: list[tuple[NameFault, str]] = []
    extension: str | None = None

    if name == "":
        problems.append((NameFault.EMPTY, _empty_reason(ref, participant_id)))
    else:
        size = len(name.encode("utf-8", "surrogatepass"))
        if size > MAX_NAME_BYTES:
            problems.append(
                (
                    NameFault.TOO_LONG,
                    _("The name is {size} bytes long; the limit is {limit}.").format(
                        size=size, limit=MAX_NAME_BYTES
                    ),
                )
            )
        if len(name) <= _MAX_PARSED_CHARS:
            extension = _check_text(name, ref, participant_id, problems)

    if not problems:
        if name.lower() in {t.lower() for t in taken}:
            problems.append(
                (
                    NameFault.TAKEN,
                    _("{name} is already attached to this request.").format(name=repr(name)),
                )
            )
        else:
            return NameCheck(name=name, ok=True, reasons=(), corrected=None)

    corrected = None
    if extension is not None:
        corrected = next_free_name(ref, participant_id, extension, taken)
        if corrected is None:
            problems.append(
                (
                    NameFault.NO_FREE_NAME,
                    _(
                        "All {count} names a .{extension} file can have on this request (no "
                        "suffix, then _01 to _0{last}) are taken; delete an attachment first."
                    ).format(count=NAMES_PER_EXTENSION, extension=extension, last=MAX_SUFFIX),
                )
            )
    return NameCheck(
        name=name,
        ok=False,
        reasons=tuple(reason for _, reason in problems),
        corrected=corrected,
        faults=tuple(fault for fault, _ in problems),
    )


# The checks themselves ---------------------------------------------------------------

_SEPARATORS = re.compile(r"[/\\]")
# What follows the prefix in the name's "core" (the part before the extensions): a
# reference, a participant ID, a suffix, each after its separator, then extra text.
# `_split_core` first allows extra text without underscores (so parts in the wrong order
# are read as parts), and only when no split reads so, any extra text (`_final`), so
# that a name with a word appended is told to remove that word.
_PARTS = r"""
    (?:(?P<ref_sep>[_\s-]+)(?P<ref>[A-Za-z]{2,5}[0-9]+))?
    (?:(?P<pid_sep>[_\s-]+)(?P<pid>[A-Za-z][0-9]+))?
    (?:(?P<suffix_sep>[_\s-]+)(?P<suffix>[0-9]+))?
"""
_CORE_READINGS = (
    re.compile(_PARTS + r"(?P<extra>[^_]*)", re.VERBOSE | re.ASCII),
    re.compile(_PARTS + r"(?P<extra>.*)", re.VERBOSE | re.ASCII | re.DOTALL),
)
_EXTENSIONS = re.compile(r"(?:\.[A-Za-z0-9]*)+\Z", re.ASCII)
_GOOD_SUFFIX = re.compile(rf"0[1-{MAX_SUFFIX}]", re.ASCII)
_LISTED_CHARACTERS = 5
_SHOWN_CHARS = 60
_COUNTS = {2: N_("two"), 3: N_("three"), 4: N_("four")}

# Letters from other scripts that look like ASCII ones; NFKC folds full-width forms
# but leaves these alone, and they are the usual way a name "looks right" yet is not.
_LOOK_ALIKES = str.maketrans(
    {
        **dict(zip("АВСЕНІЈКМОРЅТХУ", "ABCEHIJKMOPSTXY", strict=True)),
        **dict(zip("аеіјорсѕхуԁһ", "aeijopcsxydh", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
        **dict(zip("οικνρτυχ", "oikvptux", strict=True)),
    }
)


def _check_text(
    name: str, ref: str, participant_id: str, problems: list[tuple[NameFault, str]]
) -> str | None:
    """Append every fault of a non-empty `name`; return its allowed extension, if any."""
    controls = [c for c in name if unicodedata.category(c) == "Cc"]
    if controls:
        listed = ", ".join(dict.fromkeys(_control_name(c) for c in controls))
        problems.append(
            (
                NameFault.CONTROL_CHARACTER,
                _("The name contains control characters ({listed}); remove them.").format(
                    listed=listed
                ),
            )
        )

    base = _SEPARATORS.split(name)[-1]
    if _SEPARATORS.search(name) or ".." in name:
        problems.append(
            (
                NameFault.PATH,
                _("Give a bare file name, with no folder and no '..'; you wrote {text}.").format(
                    text=_show(name)
                ),
            )
        )

    visible = [c for c in base if unicodedata.category(c) != "Cc"]
    if visible and (visible[0].isspace() or visible[-1].isspace()):
        said = (
            _("The name starts and ends with a blank; remove them.")
            if visible[0].isspace() and visible[-1].isspace()
            else _("The name starts with a blank; remove it.")
            if visible[0].isspace()
            else _("The name ends with a blank; remove it.")
        )
        problems.append((NameFault.SURROUNDING_SPACE, said))

    foreign = [
        c for c in dict.fromkeys(base) if not c.isascii() and unicodedata.category(c) != "Cc"
    ]
    if foreign:
        problems.append((NameFault.NON_ASCII, _non_ascii_reason(foreign)))

    skeleton = _skeleton(base)
    if skeleton.strip(".") == "":
        problems.append((NameFault.EMPTY, _empty_reason(ref, participant_id)))
        return None

    tail_match = _EXTENSIONS.search(skeleton)
    tail = tail_match.group(0) if tail_match else ""
    core = skeleton[: len(skeleton) - len(tail)]
    _check_core(core, ref, participant_id, problems)
    return _check_extensions(tail, problems)


def _check_core(
    core: str, ref: str, participant_id: str, problems: list[tuple[NameFault, str]]
) -> None:
    parts = _split_core(core)
    prefix = parts["prefix"] or ""
    if prefix != DOCUMENT_PREFIX:
        if prefix == "":
            problems.append(
                (
                    NameFault.PREFIX,
                    _("The name must start with {prefix}.").format(prefix=repr(DOCUMENT_PREFIX)),
                )
            )
        else:
            problems.append(
                (
                    NameFault.PREFIX,
                    _(
                        "The prefix must be {prefix} exactly (capital S and D, one space); you "
                        "wrote {text}."
                    ).format(prefix=repr(DOCUMENT_PREFIX), text=_show(prefix)),
                )
            )

    given_ref = parts["ref"]
    if given_ref is None:
        problems.append(
            (
                NameFault.MISSING_REF,
                _("The reference number is missing; add _{ref} after {prefix}.").format(
                    ref=ref, prefix=repr(DOCUMENT_PREFIX)
                ),
            )
        )
    else:
        _check_separator(parts["ref_sep"], given_ref, problems)
        if given_ref != ref:
            if given_ref.upper() == ref:
                reason = _("Write the reference in capitals: {ref}, not {given_ref}.").format(
                    ref=ref, given_ref=given_ref
                )
            else:
                reason = _("The reference {given_ref} is not this request's; use {ref}.").format(
                    given_ref=given_ref, ref=ref
                )
            problems.append((NameFault.WRONG_REF, reason))

    given_pid = parts["pid"]
    if given_pid is None:
        problems.append(
            (
                NameFault.MISSING_PARTICIPANT_ID,
                _(
                    "The participant ID is missing; add _{participant_id} after the reference "
                    "number."
                ).format(participant_id=participant_id),
            )
        )
    else:
        _check_separator(parts["pid_sep"], given_pid, problems)
        if given_pid != participant_id:
            if given_pid.upper() == participant_id:
                reason = _(
                    "Write the participant ID in capitals: {participant_id}, not {given_pid}."
                ).format(participant_id=participant_id, given_pid=given_pid)
            else:
                reason = _(
                    "The participant ID {given_pid} is not this request's; use {participant_id}."
                ).format(given_pid=given_pid, participant_id=participant_id)
            problems.append((NameFault.WRONG_PARTICIPANT_ID, reason))

    suffix = parts["suffix"]
    if suffix is not None:
        _check_separator(parts["suffix_sep"], suffix, problems)
        if _GOOD_SUFFIX.fullmatch(suffix) is None:
            problems.append(
                (
                    NameFault.SUFFIX,
                    _("The suffix must be _01 to _0{last}; '_{suffix}' is not allowed.").format(
                        last=MAX_SUFFIX, suffix=suffix
                    ),
                )
            )

    extra = parts["extra"]
    if extra:
        problems.append(
            (
                NameFault.EXTRA_TEXT,
                _(
                    "Remove {text} before the extension; nothing may follow the participant ID "
                    "but a suffix _01 to _09."
                ).format(text=_show(extra)),
            )
        )


def _split_core(core: str) -> dict[str, str | None]:
    """Split `core` into prefix, reference, participant ID, suffix and extra text.

    The prefix is the shortest start after which the rest reads as those parts, so a
    wrong prefix never swallows a right reference. With no such split, it is all prefix.
    """
    starts = [m.start() for m in re.finditer(r"[_\s-]", core)]
    for reading in _CORE_READINGS:
        for start in starts:
            match = reading.fullmatch(core, start)
            if match and (match["ref"] or match["pid"] or match["suffix"]):
                return {"prefix": core[:start], **match.groupdict()}
    return {
        "prefix": core,
        "ref": None,
        "ref_sep": None,
        "pid": None,
        "pid_sep": None,
        "suffix": None,
        "suffix_sep": None,
        "extra": None,
    }


def _check_separator(
    separator: str | None, part: str, problems: list[tuple[NameFault, str]]
) -> None:
    if separator != "_":
        problems.append(
            (
                NameFault.SEPARATOR,
                _("Join the parts with one underscore: write '_{part}', not {text}.").format(
                    part=part, text=_show((separator or "") + part)
                ),
            )
        )


def _check_extensions(tail: str, problems: list[tuple[NameFault, str]]) -> str | None:
    """Check the extension part (`.pdf`, `.pdf.exe` ...); return the allowed extension."""
    segments = [segment for segment in tail.split(".") if segment]
    if tail.endswith(".") and segments:
        problems.append((NameFault.STRAY_DOT, _("The name ends with a '.'; remove it.")))
    if len(segments) > 1:
        count = _(_COUNTS[len(segments)]) if len(segments) in _COUNTS else str(len(segments))
        problems.append(
            (
                NameFault.DOUBLE_EXTENSION,
                _(
                    "{text} has {count} extensions; a name ends with one only: .pdf, .xls or .xlsx."
                ).format(text=_show(tail.rstrip(".")), count=count),
            )
        )
    if not segments:
        problems.append(
            (
                NameFault.NO_EXTENSION,
                _(
                    "The name has no extension; end it with .pdf, .xls or .xlsx (only PDF, XLS "
                    "or XLSX files are accepted)."
                ),
            )
        )
        return None
    extension = segments[-1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        problems.append(
            (
                NameFault.EXTENSION,
                _("Only PDF, XLS or XLSX files are accepted; '.{extension}' is not.").format(
                    extension=segments[-1]
                ),
            )
        )
        return None
    return extension


def _skeleton(text: str) -> str:
    """`text` as it reads: look-alikes folded to ASCII, invisible characters dropped."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))
    return unicodedata.normalize("NFKC", kept).translate(_LOOK_ALIKES).strip()


def _non_ascii_reason(characters: list[str]) -> str:
    described = [_describe(c) for c in characters[:_LISTED_CHARACTERS]]
    more = len(characters) - _LISTED_CHARACTERS
    if more > 0:
        described.append(_("and {count} more").format(count=more))
    return _(
        "Use plain ASCII letters and digits only; the name has {characters}. Type it again on "
        "a plain keyboard layout."
    ).format(characters=_(", ").join(described))


def _describe(character: str) -> str:
    label = unicodedata.name(character, _("no name"))
    if not character.isprintable() or character.isspace():
        return _("{code} ({label}, which cannot be seen)").format(
            code=f"U+{ord(character):04X}", label=label
        )
    looks = _skeleton(character)
    alike = (
        _(", which looks like {looks}").format(looks=repr(looks))
        if looks.isascii() and looks.strip()
        else ""
    )
    return f"{character!r} ({label}{alike})"


def _control_name(character: str) -> str:
    names = {0: "NUL", 9: "TAB", 10: "LF", 13: "CR", 27: "ESC", 127: "DEL"}
    return names.get(ord(character), f"U+{ord(character):04X}")


def _show(text: str) -> str:
    """`text` quoted and cut short, control characters escaped, for a message."""
    escaped = "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in text)
    if len(escaped) > _SHOWN_CHARS:
        escaped = escaped[: _SHOWN_CHARS - 3] + "..."
    return f"'{escaped}'"


def _empty_reason(ref: str, participant_id: str) -> str:
    return _(
        "The file name is empty; name it {prefix}_{ref}_{participant_id} with the extension "
        ".pdf, .xls or .xlsx."
    ).format(prefix=DOCUMENT_PREFIX, ref=ref, participant_id=participant_id)


def _allowed_extension(extension: str) -> str:
    ext = extension.removeprefix(".").lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise ValueError(f"Only PDF, XLS or XLSX files are accepted; {extension!r} is not.")
    return ext


def _require_request(ref: str, participant_id: str) -> None:
    """The request's own ref and participant ID come from the store: wrong ones are bugs."""
    parse_ref(ref)
    problem = participant_id_error(participant_id)
    if problem is not None:
        raise ValueError(problem)
