"""Dates in forms follow the interface language: shown and typed "31/03/2027" in French, ISO always accepted."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from fundmgr.dates import format_day_input, parse_day_input

pytestmark = pytest.mark.both_engines  # dates and times as each engine stores them


@pytest.mark.parametrize(
    ("locale", "shown", "typed"),
    [("fr", "31/03/2027", "31/03/2027"), ("es", "31/03/2027", "31/3/2027"), ("en", "03/31/2027", "3/31/2027")],
)
def test_a_day_is_shown_and_read_in_the_interface_language(app, locale, shown, typed):
    with app.test_request_context(), force_locale(locale):
        assert format_day_input(date(2027, 3, 31)) == shown
        assert parse_day_input(typed) == date(2027, 3, 31)
        assert parse_day_input("2027-03-31") == date(2027, 3, 31)
        for bad in ("31/13/2027", "31/03/27", "tomorrow", "1/2/3/2027"):
            with pytest.raises(ValueError, match="not a day"):
                parse_day_input(bad)


def test_a_french_user_types_a_french_date_in_a_form(client, make_user):
    """The meeting form takes 31/03/2027 from a French user and shows it back the same way."""
    from fundmgr.accounts.models import Role
    from tests.factories import sign_in

    sign_in(client, make_user(Role.fmu, locale="fr"))
    html = client.get("/steering/meetings/new").get_data(as_text=True)
    assert 'placeholder="31/03/2027"' in html


def test_notification_times_name_the_funds_time_zone(client, make_user):
    """A notification's time is shown in the fund's time zone (Zurich), which it names, in the reader's language."""
    from datetime import UTC, datetime

    from fundmgr.accounts.models import Role
    from fundmgr.db import db
    from fundmgr.notifications.models import Channel, Notification
    from tests.factories import sign_in

    user = make_user(Role.fmu, locale="fr")
    db.session.add(
        Notification(user_id=user.id, kind="proposal_submitted", title="Proposition soumise", channel=Channel.in_app,
                     created_at=datetime(2027, 3, 31, 14, 5, tzinfo=UTC))
    )  # fmt: skip
    db.session.flush()
    sign_in(client, user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "31 mars 2027, 16:05 UTC+2" in html
