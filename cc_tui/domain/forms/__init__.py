"""eServices as data: each form defined once, from which everything else derives.

`fields` holds the field types and their checks, `model` the eService and what derives
from it (validation, auto-fill, titles, examples), `catalogue` the eServices themselves.
"""

from cc_tui.domain.forms.catalogue import (
    CATALOGUE,
    MESSAGES_PER_THROTTLE,
    UnknownEService,
    get_eservice,
    messages_per_second,
    search_eservices,
)
from cc_tui.domain.forms.fields import (
    FieldIssue,
    FieldType,
    FormField,
    ProfileKey,
    choice_label,
    choice_value,
    clean_field,
    format_value,
    is_blank,
    unsafe_issue,
    validate_field,
)
from cc_tui.domain.forms.model import (
    EService,
    FormRule,
    FormValues,
    MembershipProfile,
    autofill,
    example_value,
    example_values,
    normalise_values,
    request_title,
    unencodable_issues,
    validate_form,
)

__all__ = [
    "CATALOGUE",
    "MESSAGES_PER_THROTTLE",
    "EService",
    "FieldIssue",
    "FieldType",
    "FormField",
    "FormRule",
    "FormValues",
    "MembershipProfile",
    "ProfileKey",
    "UnknownEService",
    "autofill",
    "choice_label",
    "choice_value",
    "clean_field",
    "example_value",
    "example_values",
    "format_value",
    "get_eservice",
    "is_blank",
    "messages_per_second",
    "normalise_values",
    "request_title",
    "search_eservices",
    "unencodable_issues",
    "unsafe_issue",
    "validate_field",
    "validate_form",
]
