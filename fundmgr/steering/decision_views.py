"""Pages of the Steering Committee's decisions: the list, one decision traced end to end, its letter."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from fundmgr.db import db
from fundmgr.funds.rights import works_with_committee
from fundmgr.i18n import current_language
from fundmgr.pdf import pdf_response
from fundmgr.steering.documents import allocations_of, decision_letter_filename, decision_letter_pdf
from fundmgr.steering.models import AgendaItem, Decision, DecisionOutcome, ItemState
from fundmgr.steering.views import SteeringView
from fundmgr.steering.voting import consensus, counted_votes, quorum_for
from fundmgr.web import in_fund, paginate


class DecisionListView(SteeringView):
    """Every decision of the Steering Committee, latest first, each traced to its meeting or procedure."""

    def process(self):
        query = (
            sa.select(Decision)
            .where(Decision.fund_id == self.fund.id)
            .options(
                so.joinedload(Decision.proposal),
                so.joinedload(Decision.item).joinedload(AgendaItem.meeting),
                so.joinedload(Decision.procedure),
            )
            .order_by(Decision.decided_on.desc(), Decision.id.desc())
        )
        page = paginate(query)
        return self.render("decisions.html", page=page)


class DecisionDetailView(SteeringView):
    """One decision traced end to end: meeting -> item -> positions or votes -> decision -> allocations.

    The proposal's agencies (and viewers, once it is published) see the decision, its conditions and
    the money; positions and votes are for the Steering Committee's side only.
    """

    roles = None

    def load(self, decision_id: int) -> None:
        self.load_fund()
        self.decision = in_fund(db.session.get(Decision, decision_id), self.fund)
        if not self.decision.proposal.can_view(current_user):
            abort(404)

    def process(self):
        decision, item = self.decision, self.decision.item
        redacted = not works_with_committee(current_user, self.fund) or decision.proposal.is_recused(current_user)
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
        )


class DecisionLetterView(DecisionDetailView):
    """The decision letter to the proposal's organizations (PDF), in the reader's language."""

    def process(self):
        data = decision_letter_pdf(self.decision, current_language())
        return pdf_response(data, decision_letter_filename(self.decision))
