"""Pages of the Steering Committee's decisions: the list, one decision traced end to end, its letter."""

from __future__ import annotations

import json

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager, works_with_committee
from fundmgr.i18n import requested_language
from fundmgr.pdf import pdf_response
from fundmgr.steering.documents import allocations_of, decision_letter_filename, decision_letter_pdf
from fundmgr.steering.models import AgendaItem, Decision, DecisionOutcome, ItemState, Meeting, Minutes, MinutesState
from fundmgr.steering.verification import decision_findings, decision_record_of
from fundmgr.steering.views import SteeringView
from fundmgr.steering.voting import consensus, counted_votes, quorum_for
from fundmgr.web import in_fund, paginate


class DecisionListView(SteeringView):
    """Every decision of the Steering Committee, on proposals and on matters of the fund, latest first, each traced
    to its meeting or procedure; then the approvals of minutes."""

    def process(self):
        query = (
            sa.select(Decision)
            .where(Decision.fund_id == self.fund.id)
            .options(
                so.joinedload(Decision.proposal),
                so.joinedload(Decision.item).joinedload(AgendaItem.meeting),
                so.joinedload(Decision.procedure),
                so.joinedload(Decision.meeting),
            )
            .order_by(Decision.decided_on.desc(), Decision.id.desc())
        )
        page = paginate(query)
        return self.render("decisions.html", page=page, minutes_approved=minutes_approved(self.fund))


def minutes_approved(fund: Fund) -> list[Minutes]:
    """The committee's approvals of minutes (decisions about no proposal), latest first; a few a year."""
    query = (
        sa.select(Minutes)
        .join(Minutes.meeting)
        .where(Meeting.fund_id == fund.id, Minutes.state == MinutesState.approved)
        .options(so.joinedload(Minutes.meeting), so.joinedload(Minutes.approved_in))
        .order_by(Minutes.approved_at.desc(), Minutes.id.desc())
    )
    return list(db.session.scalars(query))


class DecisionDetailView(SteeringView):
    """One decision traced end to end: meeting -> item -> positions or votes -> decision -> allocations.

    The proposal's agencies (and viewers, once it is published) see the decision, its conditions and
    the money; positions and votes are for the Steering Committee's side only.
    """

    roles = None

    def load(self, decision_id: int) -> None:
        self.load_fund()
        self.decision = in_fund(db.session.get(Decision, decision_id), self.fund)
        proposal = self.decision.proposal
        # a matter of the fund is the committee's and the FMU's; a proposal's decision, whoever sees the proposal
        if not (
            proposal.can_view(current_user) if proposal is not None else works_with_committee(current_user, self.fund)
        ):
            abort(404)

    def process(self):
        decision, item = self.decision, self.decision.item
        proposal = decision.proposal
        redacted = not works_with_committee(current_user, self.fund) or (
            proposal is not None and proposal.is_recused(current_user)
        )
        votes = positions = None
        if item is not None and not redacted:
            quorum = quorum_for(item)
            if item.meeting.by_consensus:
                positions = consensus(item, quorum).positions
            else:
                votes = counted_votes(item, quorum)
        return self.render(
            "decision.html",
            decision=decision,
            item=item,
            votes=votes,
            positions=positions,
            redacted=redacted,
            allocations=allocations_of(decision),
            outcomes=DecisionOutcome,
            item_states=ItemState,
            record=decision_record_of(decision),
            can_verify=is_fund_manager(current_user, self.fund),
        )


class DecisionVerifyView(DecisionDetailView):
    """Whether the decision's link in the fund's decision record still matches the stored data (FMU, administrators:
    an auditor is given one of these accounts), with the link's hashes and what it fixed."""

    def can_access(self, user) -> bool:
        return is_fund_manager(user, self.fund)

    def process(self):
        record, findings = decision_findings(self.decision)
        payload = json.dumps(json.loads(record.payload), indent=2, sort_keys=True, ensure_ascii=False) if record else ""
        return self.render("decision_verify.html", decision=self.decision, record=record, findings=findings,
                           payload=payload)  # fmt: skip


class DecisionLetterView(DecisionDetailView):
    """The decision letter to the proposal's organizations (PDF), in the reader's language or ?lang=."""

    def process(self):
        data = decision_letter_pdf(self.decision, requested_language())
        return pdf_response(data, decision_letter_filename(self.decision))
