"""Text the portal accepts at the door: the request models' string types.

`Line` is one line of text (a user ID, a name, a password, a code); `Text` may span lines
(a comment: line breaks and tabs allowed). Either is refused with the sentence of
`cc_tui.domain.text.problem` when it holds a character no portal text may hold (control
characters, ESC, DEL, bidirectional overrides and isolates, lone surrogates, NUL), so the
answer is 422 `validation_failed` naming the field, as for any other invalid value.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from cc_tui.domain.text import problem


def _refuse_unsafe(value: object, *, multiline: bool) -> object:
    if isinstance(value, str):
        found = problem(value, multiline=multiline)
        if found is not None:
            raise PydanticCustomError("unsafe_text", found)
    return value


def _line(value: object) -> object:
    return _refuse_unsafe(value, multiline=False)


def _text(value: object) -> object:
    return _refuse_unsafe(value, multiline=True)


# Checked before pydantic's own string checks, so that a lone surrogate is named in the
# same words as any other unsafe character (pydantic would call it "not a valid string").
Line = Annotated[str, BeforeValidator(_line)]
Text = Annotated[str, BeforeValidator(_text)]
