"""Where a dashboard opens, by the roles its user acts in."""

from __future__ import annotations

import pytest

from cc_tui.domain.sections import Section, landing_section


@pytest.mark.parametrize(
    ("roles", "section"),
    [
        ({"checker"}, Section.AWAITING_MY_CHECK),
        ({"maker", "checker"}, Section.AWAITING_MY_CHECK),
        ({"exchange_officer"}, Section.AWAITING_MY_CHECK),
        ({"maker"}, Section.RETURNED_TO_ME),
        ({"ccda"}, Section.ALL),
        (set(), Section.ALL),
        # A role is its name, not a word in it: a portal's unknown role lands on all.
        ({"unchecked_viewer"}, Section.ALL),
        ({"makeshift"}, Section.ALL),
    ],
)
def test_a_dashboard_opens_where_the_users_roles_have_work(
    roles: set[str], section: Section
) -> None:
    assert landing_section(roles) is section
