"""One field of an eService form: its label, its input, its help and its error, in place.

`FormFieldRow` draws a `FormField` from the domain (the same definition the server
validates with) as the right input: an `Input` for text, numbers, money, dates,
participant IDs, e-mail addresses and phones; a `Select` for a choice; a `TableEditor`
(one row of inputs a table row, `ctrl+n` adds a row, `ctrl+y` deletes the row you are
in) for a table. Values are kept as typed text: the domain's validators read typed text
(`5,000,000`, `+852 2345 6789`), and a draft must hold exactly what was typed.

The row posts `FormFieldRow.Changed` on every edit and `FormFieldRow.Left` when the focus
leaves it (for a table: each cell left is "touched", so only the cells a person has been
in show their errors while typing). The screen runs the validator and calls
`show_issues`; the row never validates by itself, so the screen decides what "today" is
(the portal's date) and can show the portal's own errors the same way.

Text is shown as `Content`, never markup: labels, values and the portal's messages are
shown exactly as they are.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Protocol

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from cc_tui.domain.forms import (
    EService,
    FieldType,
    FormField,
    choice_label,
    choice_value,
    format_value,
)
from cc_tui.domain.i18n import _, e_
from cc_tui.tui.safe_text import MarkUnsafe, safe_content

TableRows = list[dict[str, str]]
FieldValue = str | TableRows

_ROW_PATH = re.compile(r"^[^\[.]+\[(\d+)\](?:\.(\w+))?")


class Problem(Protocol):
    """A domain `FieldIssue`, a portal `FieldError` or a client `FieldProblem`."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def fix(self) -> str | None: ...


def field_of(path: str) -> str:
    """The form field a problem's path names: `trades[1].counterparty` -> `trades`."""
    return re.split(r"[\[.]", path, maxsplit=1)[0]


def problem_text(problem: Problem) -> str:
    return f"{problem.message} {problem.fix}" if problem.fix else problem.message


def display_text(form_field: FormField, value: object) -> str:
    """A stored value as it goes into an input (`5000000.00` -> `5,000,000.00`)."""
    if value is None:
        return ""
    if form_field.type in (FieldType.NUMBER, FieldType.MONEY):
        return format_value(form_field, value)
    return str(value)


def display_rows(form_field: FormField, value: object) -> TableRows:
    """A stored table as rows of typed text."""
    if not isinstance(value, list):
        return []
    rows: TableRows = []
    for row in value:
        if isinstance(row, dict):
            rows.append(
                {
                    column.name: display_text(column, row.get(column.name))
                    for column in form_field.columns or ()
                }
            )
    return rows


def wire_value(form_field: FormField, value: FieldValue) -> object:
    """What goes to the portal (and to the validators): text stripped, blank as null.

    A table keeps its blank rows: the validators skip them, and keeping them means every
    issue's row number (`trades[2].counterparty`) is the row the person sees.
    """
    if form_field.type is FieldType.TABLE:
        rows = value if isinstance(value, list) else []
        return [{name: cell.strip() for name, cell in row.items()} for row in rows]
    text = value.strip() if isinstance(value, str) else ""
    return text or None


def _placeholder(form_field: FormField) -> str:
    """A hint inside an empty input that cannot be mistaken for a value."""
    if form_field.type is FieldType.DATE:
        return "YYYY-MM-DD"
    return _("e.g. {example}").format(example=form_field.example) if form_field.example else ""


class TableEditor(Vertical):
    """A table field: a header of column labels, a row of inputs a table row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+n",
            "add_row",
            "Add row",
            id="form.add_row",
            tooltip="Add an empty row below the last one.",
        ),
        Binding(
            "ctrl+y",
            "delete_row",
            "Delete row",
            id="form.delete_row",
            tooltip="Delete the row the cursor is in.",
        ),
    ]

    class Changed(Message):
        """A cell changed, or a row was added or deleted."""

    def __init__(
        self, form_field: FormField, rows: TableRows, *, disabled: bool = False, id: str
    ) -> None:
        super().__init__(id=id, disabled=disabled)
        self.form_field = form_field
        self.columns = form_field.columns or ()
        self._initial = rows or [self._blank()]
        self._serial = 0
        self.touched: set[tuple[int, str]] = set()

    def _blank(self) -> dict[str, str]:
        return {column.name: "" for column in self.columns}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="table-header"):
            yield Static("#", classes="table-number")
            for column in self.columns:
                yield Static(Content(column.shown_label), classes="table-column")
        with Vertical(classes="table-rows"):
            for row in self._initial:
                yield self._make_row(row)

    def _make_row(self, row: dict[str, str]) -> Horizontal:
        self._serial += 1
        serial = self._serial
        cells = [
            Input(
                value=row.get(column.name, ""),
                highlighter=MarkUnsafe(),
                placeholder=_placeholder(column),
                compact=True,
                id=f"cell-{self.form_field.name}-{serial}-{column.name}",
                classes="table-cell",
                tooltip=column.input_hint,
            )
            for column in self.columns
        ]
        return Horizontal(
            Static("", classes="table-number"), *cells, classes="table-row", id=f"row-{serial}"
        )

    def on_mount(self) -> None:
        self._number_rows()

    @property
    def row_widgets(self) -> list[Widget]:
        return list(self.query_one(".table-rows", Vertical).children)

    def _number_rows(self) -> None:
        for number, row in enumerate(self.row_widgets, start=1):
            row.query_one(".table-number", Static).update(str(number))

    @property
    def rows(self) -> TableRows:
        """Every row as typed, blank ones too (the validators skip blank rows)."""
        rows: TableRows = []
        for row in self.row_widgets:
            cells = row.query(Input)
            rows.append(
                {column.name: cell.value for column, cell in zip(self.columns, cells, strict=False)}
            )
        return rows

    def cell(self, row: int, column: str) -> Input:
        """The input of cell (`row`, `column`), counting rows from 0."""
        for cell in self.row_widgets[row].query(Input):
            if self.column_of(cell) == column:
                return cell
        raise KeyError(column)

    def row_of(self, widget: Widget) -> int | None:
        for index, row in enumerate(self.row_widgets):
            if widget in list(row.query(Input)):
                return index
        return None

    def column_of(self, widget: Widget) -> str | None:
        widget_id = widget.id or ""
        for column in self.columns:
            if widget_id.endswith(f"-{column.name}"):
                return column.name
        return None

    async def set_rows(self, rows: TableRows) -> None:
        container = self.query_one(".table-rows", Vertical)
        await container.remove_children()
        await container.mount_all([self._make_row(row) for row in rows or [self._blank()]])
        self.touched.clear()
        self._number_rows()

    async def action_add_row(self) -> None:
        limit = self.form_field.max_rows
        if limit is not None and len(self.row_widgets) >= limit:
            self.app.bell()
            self.notify(
                _("{label} takes at most {limit} rows.").format(
                    label=self.form_field.shown_label, limit=limit
                ),
                title=_("No more rows"),
                severity="warning",
            )
            return
        row = self._make_row(self._blank())
        await self.query_one(".table-rows", Vertical).mount(row)
        self._number_rows()
        row.query(Input).first().focus()
        self.post_message(self.Changed())

    async def action_delete_row(self) -> None:
        focused = self.screen.focused
        index = self.row_of(focused) if focused is not None else None
        if index is None:
            return
        rows = self.row_widgets
        if len(rows) == 1:
            for cell in rows[0].query(Input):
                cell.value = ""
        else:
            await rows[index].remove()
            self.touched = {(r - (r > index), c) for r, c in self.touched if r != index}
            self._number_rows()
            remaining = self.row_widgets
            remaining[min(index, len(remaining) - 1)].query(Input).first().focus()
        self.post_message(self.Changed())

    @on(Input.Changed)
    def _cell_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed())

    @on(Input.Blurred)
    def _cell_left(self, event: Input.Blurred) -> None:
        row = self.row_of(event.input)
        column = self.column_of(event.input)
        if row is not None and column is not None:
            self.touched.add((row, column))


class FormFieldRow(Vertical):
    """Label, input, help and error of one field."""

    class Changed(Message):
        """The value changed (any keystroke)."""

        def __init__(self, row: FormFieldRow) -> None:
            super().__init__()
            self.row = row

    class Left(Message):
        """The focus left this field (or a cell of this table)."""

        def __init__(self, row: FormFieldRow) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self,
        form_field: FormField,
        value: FieldValue,
        *,
        auto: bool = False,
        disabled: bool = False,
    ) -> None:
        super().__init__(id=f"field-{form_field.name}", classes="form-field")
        self.form_field = form_field
        self._initial = value
        self._auto = auto
        self._loading = True
        self._last_value: FieldValue | None = None
        self.set_class(form_field.type is FieldType.TABLE, "-table")
        self.input_disabled = disabled

    @property
    def name_(self) -> str:
        return self.form_field.name

    def compose(self) -> ComposeResult:
        form_field = self.form_field
        label = form_field.shown_label + (" *" if form_field.required else "")
        if form_field.type is FieldType.TABLE:
            yield Label(Content(label), classes="field-label")
            yield self._make_input()
            yield from self._help_line()
            yield Static(classes="field-error")
            return
        with Horizontal(classes="field-line"):
            yield Label(Content(label), classes="field-label")
            with Vertical(classes="field-body"):
                yield self._make_input()
                yield from self._help_line()
                yield Static(classes="field-error")

    def _help_line(self) -> Iterable[Widget]:
        with_help = self.form_field.help and e_(self.form_field.help)
        if not with_help and self.form_field.type is FieldType.TABLE:
            with_help = _("ctrl+n adds a row, ctrl+y deletes the row you are in.")
        tag = Static(_("auto"), classes="auto-tag")
        tag.tooltip = _(
            "Filled in from your firm's profile when the request was started. The portal "
            "fills fields in only then: a field you clear stays empty."
        )
        yield Horizontal(
            tag,
            Static(Content(with_help), classes="field-help"),
            classes="help-line",
        )

    def _make_input(self) -> Widget:
        form_field = self.form_field
        widget_id = f"input-{form_field.name}"
        disabled = self.input_disabled
        if form_field.type is FieldType.TABLE:
            rows = self._initial if isinstance(self._initial, list) else []
            return TableEditor(form_field, rows, id=widget_id, disabled=disabled)
        text = self._initial if isinstance(self._initial, str) else ""
        if form_field.type is FieldType.CHOICE:
            choices = form_field.choices or ()
            # Shown in the reader's language; the value is the definition's (English).
            matched = choice_value(form_field, text)
            return Select(
                [(choice_label(choice), choice) for choice in choices],
                prompt=_("Choose…"),
                value=matched if matched is not None else Select.NULL,
                compact=True,
                id=widget_id,
                disabled=disabled,
                tooltip=form_field.input_hint,
            )
        return Input(
            value=text,
            highlighter=MarkUnsafe(),
            placeholder=_placeholder(form_field),
            compact=True,
            id=widget_id,
            disabled=disabled,
            tooltip=form_field.input_hint,
        )

    def on_mount(self) -> None:
        self.set_auto(self._auto)
        self.query_one(".field-error", Static).display = False
        help_line = self.query_one(".field-help", Static)
        help_line.display = bool(str(help_line.content))
        self._loading = False
        self._last_value = self.value

    # The value

    @property
    def value(self) -> FieldValue:
        """The value as typed; while the row is being built or taken down (its input not
        there), the last value it had."""
        found = self.query(f"#input-{self.form_field.name}")
        if not found:
            return self._last_value if self._last_value is not None else self._initial
        widget = found.first()
        if isinstance(widget, TableEditor):
            return widget.rows
        if isinstance(widget, Select):
            selected = widget.value
            return selected if isinstance(selected, str) else ""
        assert isinstance(widget, Input)
        return widget.value

    @property
    def input_widget(self) -> Widget:
        return self.query_one(f"#input-{self.form_field.name}")

    async def set_value(self, value: FieldValue) -> None:
        self._loading = True
        try:
            widget = self.input_widget
            if isinstance(widget, TableEditor):
                await widget.set_rows(value if isinstance(value, list) else [])
            elif isinstance(widget, Select):
                text = value if isinstance(value, str) else ""
                matched = choice_value(self.form_field, text)
                widget.value = matched if matched is not None else Select.NULL
            elif isinstance(widget, Input):
                widget.value = value if isinstance(value, str) else ""
        finally:
            self.call_after_refresh(self._done_loading)

    def _done_loading(self) -> None:
        self._loading = False
        self._last_value = self.value

    def focus_input(self) -> None:
        widget = self.input_widget
        if isinstance(widget, TableEditor):
            first = widget.query(Input).first()
            first.focus()
        else:
            widget.focus()

    # Marks and messages

    @property
    def auto(self) -> bool:
        return self._auto

    def set_auto(self, auto: bool) -> None:
        """Mark the value as auto-filled from the membership's profile."""
        self._auto = auto
        self.query_one(".auto-tag", Static).display = auto
        self.set_class(auto, "-auto")
        self.query_one(".help-line", Horizontal).display = auto or bool(
            str(self.query_one(".field-help", Static).content)
        )

    def touched_cells(self) -> set[tuple[int, str]]:
        editors = self.query(TableEditor)
        return set(editors.first().touched) if editors else set()

    def issues_in_view(self, issues: Sequence[Problem]) -> list[Problem]:
        """Of `issues` on this row's field, those to show now: a table shows a cell's only
        once that cell was left, and the whole table's only once the focus left it."""
        if self.form_field.type is not FieldType.TABLE:
            return list(issues)
        touched = self.touched_cells()
        whole = not self.has_focus_within
        kept: list[Problem] = []
        for issue in issues:
            where = row_index(issue.field)
            if where is None:
                if whole:
                    kept.append(issue)
            elif where[1] is None or (where[0], where[1]) in touched:
                kept.append(issue)
        return kept

    def show_issues(self, problems: Sequence[Problem]) -> None:
        """Show what is wrong (or nothing, when `problems` is empty), where it is wrong."""
        error = self.query_one(".field-error", Static)
        if not problems:
            error.update("")
            error.display = False
            self.remove_class("-error")
            return
        lines = [f"✗ {problem_text(problem)}" for problem in problems]
        error.update(safe_content("\n".join(lines), multiline=True))
        error.display = True
        self.add_class("-error")

    @property
    def error_text(self) -> str:
        """The error shown now (empty when none)."""
        error = self.query_one(".field-error", Static)
        return str(error.content) if error.display else ""

    # Events

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TableEditor.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        if self._loading or not self.is_mounted:
            return
        value = self.value
        if value == self._last_value:
            return  # set, not typed (a widget announcing its first value)
        self._last_value = value
        self.post_message(self.Changed(self))
        if isinstance(event, Select.Changed):
            self.post_message(self.Left(self))

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._maybe_left)

    @property
    def has_focus_within(self) -> bool:
        focused = self.screen.focused
        return focused is not None and self in focused.ancestors_with_self

    def _maybe_left(self) -> None:
        # Not while the screen is taken down (its inputs may be gone already).
        if not self.is_attached or not self.screen.is_current:
            return
        # A table is "left" cell by cell too: each cell left shows its own errors.
        if self.form_field.type is FieldType.TABLE or not self.has_focus_within:
            self.post_message(self.Left(self))


def field_rows(
    eservice: EService, values: Mapping[str, Any], *, auto: Collection[str], editable: bool
) -> list[FormFieldRow]:
    """A row for each field of `eservice`, showing `values` (typed text as typed, the
    portal's values in words); the fields named in `auto` are tagged auto-filled."""
    rows = []
    for form_field in eservice.fields:
        value = values.get(form_field.name)
        if form_field.type is FieldType.TABLE:
            typed: FieldValue = value if isinstance(value, list) else []
        else:
            typed = value if isinstance(value, str) else display_text(form_field, value)
        rows.append(
            FormFieldRow(form_field, typed, auto=form_field.name in auto, disabled=not editable)
        )
    return rows


def place_problems(
    rows: Iterable[FormFieldRow], problems: Sequence[Problem]
) -> tuple[FormFieldRow | None, list[str]]:
    """Show every problem against its field's row (clearing the others); the first row
    with a problem, and the words of the problems on no row."""
    by_field: dict[str, list[Problem]] = {}
    for problem in problems:
        by_field.setdefault(field_of(problem.field), []).append(problem)
    first: FormFieldRow | None = None
    for row in rows:
        found = by_field.pop(row.form_field.name, [])
        row.show_issues(found)
        if found and first is None:
            first = row
    return first, [problem_text(p) for items in by_field.values() for p in items]


def row_index(path: str) -> tuple[int, str | None] | None:
    """`trades[1].counterparty` -> (1, "counterparty"); None for a whole-field path."""
    match = _ROW_PATH.match(path)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)
