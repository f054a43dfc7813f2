"""What the FMU publishes on the public page: a year's annual report frozen as PDFs in each language, decisions'
public summaries (endorsed or funded programmes only), withdrawn at will; each audited, nothing else public."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.opendata.models import Publication, PublicationFile
from fundmgr.steering.models import Decision, DecisionOutcome
from tests.factories import sign_in


def audit_actions(publication_id: int) -> list[str]:
    query = sa.select(AuditEntry.action).where(AuditEntry.object_type == "publication",
                                               AuditEntry.object_id == str(publication_id))  # fmt: skip
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def test_the_fmu_publishes_an_annual_report_in_three_languages_and_withdraws_it(demo_app, fund, make_user):
    """The FMU's one click freezes the year's report as three PDFs; anyone downloads them from the public page
    until the FMU withdraws the report; both acts are audited."""
    fmu = sign_in(demo_app.test_client(), make_user(Role.fmu))
    year = clock.today(fund).year - 1
    assert fmu.get("/publications").status_code == 200
    answer = fmu.post("/publications", data={"year": str(year)})
    assert answer.status_code == 302, answer.text[-1500:]
    publication = db.session.scalars(sa.select(Publication).where(Publication.year == year)).one()
    assert {f.language for f in publication.files} == {"en", "fr", "es"}
    assert audit_actions(publication.id) == ["publication.published"]
    visitor = demo_app.test_client()
    page = visitor.get(f"/public/{fund.code}").text
    for file in publication.files:
        url = f"/public/{fund.code}/documents/{file.id}"
        assert f'href="{url}"' in page
        with visitor.get(url) as download:
            assert (download.status_code, download.data[:4]) == (200, b"%PDF")
    first = publication.files[0].id
    assert fmu.post(f"/publications/{publication.id}/withdraw", data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert publication.withdrawn_at is not None
    assert audit_actions(publication.id) == ["publication.published", "publication.withdrawn"]
    assert visitor.get(f"/public/{fund.code}/documents/{first}").status_code == 404
    assert f"/public/{fund.code}/documents/" not in visitor.get(f"/public/{fund.code}").text


def test_a_decisions_public_summary_shows_and_a_declined_decision_cannot_be_published(demo_app, fund, make_user):
    """A funding decision's summary written by the FMU shows on the public page in the reader's language; a
    rejection's is refused (422), nothing written."""
    fmu = sign_in(demo_app.test_client(), make_user(Role.fmu))
    funded = db.session.scalars(
        sa.select(Decision)
        .where(Decision.outcome == DecisionOutcome.approve, Decision.proposal_id.is_not(None))
        .order_by(Decision.id)
    ).first()
    form = {"summary_en": "The committee funded the programme.", "summary_fr": "Le comité a financé le programme."}
    assert fmu.post(f"/decisions/{funded.id}/public-summary", data=form).status_code == 302
    visitor = demo_app.test_client()
    assert "The committee funded the programme." in visitor.get(f"/public/{fund.code}").text
    french = visitor.get(f"/public/{fund.code}", headers={"Accept-Language": "fr"}).text
    assert "Le comité a financé le programme." in french
    rejected = db.session.scalars(sa.select(Decision).where(Decision.outcome == DecisionOutcome.reject)).first()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Publication))
    refused = fmu.post(f"/decisions/{rejected.id}/public-summary", data={"summary_en": "Declined."})
    assert refused.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Publication)) == before
    assert "Declined." not in visitor.get(f"/public/{fund.code}").text


def test_only_the_fund_managers_publish(demo_app, fund, make_user):
    """An agency's staff and a committee member are refused (403); the files of another fund are not found."""
    for role in (Role.agency, Role.sc_member, Role.viewer):
        client = sign_in(demo_app.test_client(), make_user(role))
        assert client.get("/publications").status_code == 403
        assert client.post("/publications", data={"year": "2025"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicationFile)) == 0
    assert demo_app.test_client().get(f"/public/{fund.code}/documents/2000000000").status_code == 404
