"""Who may open what: 404 for those who may not know a proposal exists, 403 for those who may not act on it."""

from __future__ import annotations

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import AttachmentKind, ProposalState
from tests.factories import sign_in
from tests.support.files import upload

pytestmark = pytest.mark.split  # who may open what does not depend on the engine: each case runs on one database

PERSONAS = ["anonymous", "lead", "partner", "other_agency", "sc", "sc_conflicted", "fmu", "viewer", "admin"]


@pytest.fixture
def as_persona(client, make_user):
    """Sign the client in as one of the personas, relative to a proposal led by IOM with UNHCR."""

    def _sign(persona: str, proposal=None):
        users = {
            "lead": lambda: proposal.created_by,
            "partner": lambda: make_user(Role.agency, org="UNHCR"),
            "other_agency": lambda: make_user(Role.agency, org="UNICEF"),
            "sc": lambda: make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-"),
            "sc_conflicted": lambda: make_user(Role.sc_member, org="IOM"),
            "fmu": lambda: make_user(Role.fmu),
            "viewer": lambda: make_user(Role.viewer, org="GOV-NLD"),
            "admin": lambda: make_user(Role.admin),
        }
        if persona != "anonymous":
            sign_in(client, users[persona]())
        return client

    return _sign


# The answer each persona gets, in the order of PERSONAS:
#                    anonymous lead partner other_agency sc sc_conflicted fmu viewer admin
CODES = {
    "draft_page":      "302 200 200 404 404 404 200 404 200",
    "draft_section":   "302 200 200 404 404 404 403 404 403",
    "submit":          "302 302 403 404 404 404 403 404 403",
    "withdraw":        "302 200 403 404 404 404 403 404 403",
    "start_screening": "302 403 403 403 403 403 302 403 403",
    "version":         "302 200 200 404 200 403 200 404 200",
    "overview_review": "302 200 200 404 200 200 200 404 200",
    "new":             "302 200 200 200 403 403 403 403 403",
}  # fmt: skip


def expected_codes(kind: str) -> list[tuple[str, int]]:
    return list(zip(PERSONAS, map(int, CODES[kind].split()), strict=True))


SECTIONS = ["details", "organizations", "markers", "budget", "matrix", "attachments", "matrix/outcomes/new"]


@pytest.mark.parametrize(("persona", "code"), expected_codes("draft_page"))
def test_draft_overview(make_ready_draft, as_persona, persona, code):
    proposal = make_ready_draft()
    assert as_persona(persona, proposal).get(f"/proposals/{proposal.id}").status_code == code


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize(("persona", "code"), expected_codes("draft_section"))
def test_draft_sections(make_ready_draft, as_persona, persona, code, section):
    proposal = make_ready_draft()
    assert as_persona(persona, proposal).get(f"/proposals/{proposal.id}/{section}").status_code == code


@pytest.mark.parametrize(
    ("persona", "code"),
    expected_codes("submit"),
)
def test_submit(make_ready_draft, as_persona, persona, code):
    proposal = make_ready_draft()
    response = as_persona(persona, proposal).post(f"/proposals/{proposal.id}/submit")
    assert response.status_code == code
    db.session.expire_all()
    assert (proposal.state is ProposalState.submitted) is (persona == "lead")


@pytest.mark.parametrize(
    ("persona", "code"),
    expected_codes("withdraw"),
)
def test_withdraw_page(make_ready_draft, as_persona, persona, code):
    proposal = make_ready_draft()
    assert as_persona(persona, proposal).get(f"/proposals/{proposal.id}/withdraw").status_code == code


@pytest.mark.parametrize(
    ("persona", "code"),
    expected_codes("start_screening"),
)
def test_start_screening(submitted, as_persona, persona, code):
    proposal = submitted()
    response = as_persona(persona, proposal).post(f"/proposals/{proposal.id}/screening/start")
    assert response.status_code == code
    db.session.expire_all()
    assert (proposal.state is ProposalState.screening) is (persona == "fmu")


@pytest.fixture
def in_review(submitted, make_user):
    """A proposal forwarded to review, with its endorsement letter in version 1."""
    proposal = submitted()
    fmu = make_user(Role.fmu)
    screening = ops.start_screening(proposal, actor=fmu)
    ops.record_screening(proposal, {item.check_id: (True, "") for item in screening.items}, actor=fmu)
    ops.forward_to_review(proposal, actor=fmu)
    db.session.commit()
    return proposal


@pytest.mark.parametrize("page", ["versions/1", "versions/1.pdf", "attachment", "compare"])
@pytest.mark.parametrize(("persona", "code"), expected_codes("version"))
def test_version_pages_in_review(in_review, as_persona, persona, code, page):
    if page == "attachment":
        page = f"attachments/{in_review.attachments[0].id}"
    if page == "compare" and code == 200:
        code = 302  # only one version: sent back to the proposal
    response = as_persona(persona, in_review).get(f"/proposals/{in_review.id}/{page}")
    response.close()  # a download streams its file
    assert response.status_code == code


@pytest.mark.parametrize(
    ("persona", "code"),
    expected_codes("overview_review"),
)
def test_overview_in_review_and_the_recused_member(in_review, as_persona, persona, code):
    """A conflicted SC member sees the title and the recusal, not the content."""
    response = as_persona(persona, in_review).get(f"/proposals/{in_review.id}")
    assert response.status_code == code
    if code == 200:
        html = response.get_data(as_text=True)
        assert in_review.title in html
        assert ("Strengthening migration governance" in html) is (persona != "sc_conflicted")
        assert ("You are recused" in html) is (persona == "sc_conflicted")


def test_viewers_read_published_proposals(make_proposal, as_persona):
    proposal = make_proposal(ProposalState.endorsed)
    client = as_persona("viewer")
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert client.get(f"/proposals/{proposal.id}/versions/1").status_code == 200


def test_draft_attachments_stay_with_the_agencies_and_the_fmu(make_ready_draft, as_persona, make_user):
    """A file never submitted is not reachable by someone who only reads versions, even by guessing its id."""
    proposal = make_proposal_in_review_with_a_draft_file(make_ready_draft, make_user)
    draft_file = proposal.attachments[-1]
    assert as_persona("sc", proposal).get(f"/proposals/{proposal.id}/attachments/{draft_file.id}").status_code == 404


def make_proposal_in_review_with_a_draft_file(make_ready_draft, make_user):
    proposal = make_ready_draft()
    ops.submit_proposal(proposal, actor=proposal.created_by)
    fmu = make_user(Role.fmu)
    screening = ops.start_screening(proposal, actor=fmu)
    ops.record_screening(proposal, {item.check_id: (True, "") for item in screening.items}, actor=fmu)
    ops.forward_to_review(proposal, actor=fmu)
    ops.defer_proposal(proposal, actor=None)
    ops.add_attachment(proposal, AttachmentKind.full_document, upload("revised.pdf"), actor=proposal.created_by)
    db.session.commit()
    return proposal


@pytest.mark.parametrize("url", ["/proposals/", "/proposals/export.csv", "/proposals/export.xlsx"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_and_exports_open_to_every_signed_in_role(make_proposal, as_persona, persona, url):
    client = as_persona(persona, make_proposal())
    assert client.get(url).status_code == (302 if persona == "anonymous" else 200)


@pytest.mark.parametrize(
    ("persona", "code"),
    expected_codes("new"),
)
def test_only_agencies_start_proposals(make_proposal, as_persona, persona, code):
    proposal = make_proposal()
    assert as_persona(persona, proposal).get("/proposals/new").status_code == code


def test_unknown_ids_are_404(as_persona):
    client = as_persona("fmu")
    assert client.get("/proposals/999999").status_code == 404
    assert client.get("/proposals/999999/versions/1.pdf").status_code == 404
