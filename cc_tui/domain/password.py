"""The password rule, one place for the server (which enforces it) and the TUI (which can
check as the user types).

Length matters more than character classes (NIST SP 800-63B), so the rule is short: at
least 12 characters, with letters and digits, not the user ID itself. The upper bound
only keeps hashing cheap to refuse.
"""

from __future__ import annotations

PASSWORD_MIN = 12
PASSWORD_MAX = 256

PASSWORD_RULE = (
    f"Use at least {PASSWORD_MIN} characters, with both letters and digits, and not your user ID."
)


def password_problems(password: str, user_id: str = "") -> list[str]:
    """Every reason `password` breaks the rule, in words; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < PASSWORD_MIN:
        problems.append(
            f"The password has {len(password)} characters; it needs at least {PASSWORD_MIN}."
        )
    if len(password) > PASSWORD_MAX:
        problems.append(f"The password is longer than {PASSWORD_MAX} characters.")
    if not any(ch.isalpha() for ch in password):
        problems.append("The password needs at least one letter.")
    if not any(ch.isdigit() for ch in password):
        problems.append("The password needs at least one digit.")
    if user_id and password.strip().lower() == user_id.strip().lower():
        problems.append("The password must not be your user ID.")
    return problems
