"""No-cost extensions: asked in time by the lead agency with a reason, decided by the FMU or, beyond the fund's
threshold, forwarded to and decided by the Steering Committee; an approval moves the programme's end date."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.results import operations as ops
from fundmgr.results.models import Extension, ExtensionState, Programme
from tests.factories import sign_in

END = date(2026, 12, 31)  # a 36-month programme from 2024; the results tests run on 2026-06-01


@pytest.fixture
def programme(make_programme) -> Programme:
    return make_programme(start=date(2024, 1, 1), duration_months=36)


def ask(programme, lead, new_end=date(2027, 3, 31), reason="Elections delayed the field work by a quarter."):
    return ops.request_extension(programme, new_end_date=new_end, reason=reason, actor=lead)


def test_the_fmu_approves_a_short_extension_and_the_programme_ends_later(programme, lead_of, fmu):
    extension = ask(programme, lead_of(programme))
    assert programme.end_date == END
    ops.decide_extension(extension, decision="approve", note="", actor=fmu)
    assert extension.state is ExtensionState.approved
    assert programme.end_date == date(2027, 3, 31)
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    # the new end redraws the periods up to it (programme.dates_changed)
    assert actions[-4:] == [
        "extension.requested",
        "programme.dates_changed",
        "programme.extended",
        "extension.approved",
    ]


def test_a_request_lists_everything_wrong_at_once(programme, lead_of, fund):
    lead = lead_of(programme)
    with pytest.raises(ValidationFailed) as refused:
        ask(programme, lead, new_end=date(2026, 6, 30), reason="  ")
    assert refused.value.problems == [
        "Give the reason for the extension.",
        "The new end date must be after the current one (2026-12-31).",
    ]
    fund.extension_notice_months = 7  # the last day to ask was 2026-05-31
    with pytest.raises(ValidationFailed, match=r"no later than 7 months before the programme ends \(by 2026-05-31\)"):
        ask(programme, lead)
    assert db.session.scalar(sa.select(sa.func.count(Extension.id))) == 0


def test_one_request_at_a_time_and_only_the_lead_agency_asks(programme, lead_of, make_user):
    for role in (Role.fmu, Role.sc_member, Role.viewer):
        with pytest.raises(NotAllowed):
            ask(programme, make_user(role))
    lead = lead_of(programme)
    ask(programme, lead)
    with pytest.raises(ValidationFailed, match="already waiting for a decision"):
        ask(programme, lead, new_end=date(2027, 2, 28))


def test_a_long_extension_goes_to_the_steering_committee(programme, lead_of, fmu, make_user):
    extension = ask(programme, lead_of(programme), new_end=date(2027, 12, 31))  # 12 months: beyond the 6 of the fund
    with pytest.raises(ValidationFailed, match="decided by the Steering Committee: forward it"):
        ops.decide_extension(extension, decision="approve", note="", actor=fmu)
    with pytest.raises(ValidationFailed, match="Give the reason in the note"):
        ops.decide_extension(extension, decision="forward", note=" ", actor=fmu)
    ops.decide_extension(extension, decision="forward", note="Reviewed: the workplan holds.", actor=fmu)
    assert extension.state is ExtensionState.forwarded
    with pytest.raises(NotAllowed):
        ops.decide_extension(extension, decision="approve", note="", actor=fmu)
    ops.decide_extension(extension, decision="approve", note="", actor=make_user(Role.sc_member))
    assert programme.end_date == date(2027, 12, 31)
    with pytest.raises(InvalidTransition):
        ops.decide_extension(extension, decision="refuse", note="Too late.", actor=fmu)


def test_a_closed_programme_is_not_extended(programme, lead_of, fmu):
    extension = ask(programme, lead_of(programme))
    programme.proposal.state = programme.proposal.state.closed
    with pytest.raises(ValidationFailed, match="is closed: it is read-only"):
        ops.decide_extension(extension, decision="approve", note="", actor=fmu)
    with pytest.raises(ValidationFailed, match="is closed: it is read-only"):
        ask(programme, lead_of(programme), new_end=date(2027, 1, 31))


def test_the_extension_pages(programme, lead_of, fmu, make_user, client):
    lead = lead_of(programme)
    sign_in(client, lead)
    refused = client.post(
        f"/results/programmes/{programme.id}/extension", data={"new_end_date": "2027-03-31", "reason": ""}
    )
    assert refused.status_code == 200
    assert "Give the reason for the extension." in refused.get_data(as_text=True)
    asked = client.post(
        f"/results/programmes/{programme.id}/extension",
        data={"new_end_date": "2027-03-31", "reason": "Elections delayed the field work."},
    )
    assert asked.status_code == 302
    extension = db.session.scalars(sa.select(Extension)).one()
    url = f"/results/extensions/{extension.id}"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"decision": "approve"}).status_code == 403  # the lead agency does not decide
    outsider = db.session.scalar(
        sa.select(Organization.code).where(Organization.id.not_in(programme.proposal.organization_ids)).limit(1)
    )
    other = make_user(Role.agency, org=outsider)
    sign_in(client, other)
    assert client.get(url).status_code == 404
    sign_in(client, fmu)
    assert client.post(url, data={"decision": "approve", "note": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).end_date == date(2027, 3, 31)


@pytest.mark.postgres_only
def test_racing_decisions_on_one_extension_decide_once(committed, programme, lead_of, fmu):
    """The FMU approves and refuses the same request at the same moment: one decision stands."""
    from tests.support.concurrency import run_at_once

    extension = ask(programme, lead_of(programme))
    db.session.commit()
    extension_id, fmu_id, programme_id = extension.id, fmu.id, programme.id
    db.session.remove()

    def decide(decision: str):
        def job() -> None:
            ops.decide_extension(
                db.session.get(Extension, extension_id),
                decision=decision,
                note="Decided.",
                actor=db.session.get(User, fmu_id),
            )

        return job

    results = run_at_once(committed, [decide("approve"), decide("refuse"), decide("approve")])
    assert results.count("ok") == 1
    decided = db.session.get(Extension, extension_id)
    end = db.session.get(Programme, programme_id).end_date
    assert end == (date(2027, 3, 31) if decided.state is ExtensionState.approved else END)
    audited = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action.in_(["extension.approved", "extension.refused"])
        )
    )
    assert audited == 1
