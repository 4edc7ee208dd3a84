"""The one-time password field: digits only, and letters left to the screen's keys.

A Textual `Input` claims every printable key, which would hide the OTP and device
screens' one-letter keys (`s` send again, `m` key as text, `c` copy) while the field has
the focus, as it nearly always does there. This field takes only digits and spaces (a
pasted "123 456" works), so those letters stay the screen's.
"""

from __future__ import annotations

from textual.widgets import Input

from cc_tui.domain.i18n import _

CODE_DIGITS = 6


class CodeInput(Input):
    """Six digits; spaces allowed and ignored."""

    def __init__(self, *, id: str | None = "code") -> None:
        super().__init__(
            placeholder=f"{CODE_DIGITS} digits",
            restrict=r"[0-9 ]*",
            max_length=CODE_DIGITS + 2,
            id=id,
        )

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and (character.isdigit() or character == " ")

    @property
    def code(self) -> str:
        return self.value.replace(" ", "")

    @property
    def problem(self) -> str | None:
        """What is wrong with the typed code, in words; None when it is 6 digits."""
        code = self.code
        if not code:
            return _("Type the {digits}-digit code.").format(digits=CODE_DIGITS)
        if len(code) != CODE_DIGITS:
            return _("The code has {digits} digits; you typed {count}.").format(
                digits=CODE_DIGITS, count=len(code)
            )
        return None
