"""Around midnight in Geneva, every page and the reminders agree whether a progress report is overdue.

The Migration MPTF's deadlines are dates in Geneva (Europe/Zurich); the server runs in Honolulu (UTC-10). A report
due on 1 March 2025 is overdue from 00:00 on 2 March in Geneva: 23:00 UTC on 1 March, 13:00 in Honolulu.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.deadlines.cli import send_reminders
from tests.factories import sign_in

pytestmark = [pytest.mark.both_engines, pytest.mark.usefixtures("yearly_from_the_start")]

GENEVA = ZoneInfo("Europe/Zurich")
DUE_ON = date(2025, 3, 1)  # period 1 of a programme started on 1 January 2024 ends on 31 December, due 60 days later

MOMENTS = {
    # 22:59 UTC, 12:59 in Honolulu: the due date's last minute everywhere
    "23:59 on the due date in Geneva": (datetime(2025, 3, 1, 23, 59, tzinfo=GENEVA), False),
    # 23:01 UTC and 13:01 in Honolulu, still 1 March there: only Geneva's calendar says it is late
    "00:01 the next day in Geneva": (datetime(2025, 3, 2, 0, 1, tzinfo=GENEVA), True),
    # 04:00 UTC on 2 March, 18:00 on 1 March in Honolulu: UTC and the server's clock disagree
    "05:00 the next day in Geneva": (datetime(2025, 3, 2, 5, 0, tzinfo=GENEVA), True),
}


@pytest.mark.parametrize(("moment", "overdue"), MOMENTS.values(), ids=MOMENTS)
def test_every_page_agrees_whether_a_report_is_overdue_around_midnight_in_geneva(
    app, fund, make_programme, lead_of, make_user, outbox, frozen_clock, server_in_honolulu, moment, overdue
):
    assert fund.time_zone == "Europe/Zurich"
    programme = make_programme(lead="IOM", partners=("UNHCR",))
    period = programme.periods[0]
    assert period.due_date == DUE_ON
    fmu = sign_in(app.test_client(), make_user(Role.fmu))
    lead = sign_in(app.test_client(), lead_of(programme))
    frozen_clock(moment)

    def page(client, url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return response.get_data(as_text=True)

    badge, fmu_count = 'text-bg-danger">Overdue</span>', 'Overdue <span class="badge text-bg-danger">1</span>'
    card = f'id="deadline-report-{period.id}"'
    deadlines = page(fmu, "/deadlines/?kind=report")
    shown = {
        "FMU's reports to act on": fmu_count in page(fmu, "/results/reports"),
        "lead agency's reports due": badge in page(lead, "/results/reports"),
        "period page": badge in page(fmu, f"/results/programmes/{programme.id}/periods/1"),
        "programme page": badge in page(fmu, f"/results/programmes/{programme.id}"),
        "FMU's home card": "1 report overdue." in page(fmu, "/"),
        "lead agency's home card": "1 overdue</span>" in page(lead, "/"),
        "deadlines page": badge in deadlines.split(card)[1].split("</article>")[0],
        "deadlines page, overdue only": card in page(fmu, "/deadlines/?kind=report&when=overdue"),
    }
    sent, failures = send_reminders()
    db.session.expire_all()
    assert failures == []
    shown["reminder sent"] = set(sent) == {"report_overdue"}
    assert shown == dict.fromkeys(shown, overdue)
    if not overdue:
        assert set(sent) == {"report_due"}  # the last reminder before the due date, on its last day
        assert "Last day" in deadlines.split(card)[1].split("</article>")[0]
