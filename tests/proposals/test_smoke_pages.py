"""Every proposal page renders for the people who use it (a broad first check of the wiring)."""

from __future__ import annotations

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.proposals.models import ProposalState
from tests.factories import sign_in


def test_agency_pages_render(client, make_ready_draft):
    proposal = make_ready_draft()
    sign_in(client, proposal.created_by)
    base = f"/proposals/{proposal.id}"
    outcome = proposal.outcomes[0]
    output = outcome.outputs[0]
    for url in ["/proposals/", "/proposals/new", base, f"{base}/details", f"{base}/organizations", f"{base}/markers",
                f"{base}/budget", f"{base}/matrix", f"{base}/attachments", f"{base}/withdraw",
                f"{base}/matrix/outcomes/new", f"{base}/matrix/outputs/new?outcome={outcome.id}",
                f"{base}/matrix/indicators/new?outcome={outcome.id}&output={output.id}",
                f"{base}/matrix/outcomes/{outcome.id}", f"{base}/matrix/indicators/{output.indicators[0].id}",
                "/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[-2000:])


def test_fmu_pages_render(client, make_user, submitted):
    proposal = submitted()
    sign_in(client, make_user(Role.fmu))
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert client.post(f"/proposals/{proposal.id}/screening/start").status_code == 302
    assert client.get(f"/proposals/{proposal.id}/screening").status_code == 200
    assert client.get(f"/proposals/{proposal.id}/versions/1").status_code == 200
    response = client.get(f"/proposals/{proposal.id}/versions/1.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert client.get("/proposals/export.csv").status_code == 200
    assert client.get("/proposals/export.xlsx").status_code == 200
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert proposal.state is ProposalState.screening
