"""Pages of the Steering Committee's decisions: the list, one decision traced end to end, its letter."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import is_fund_manager, works_with_committee
from fundmgr.i18n import requested_language
from fundmgr.lists import Column, ListSpec, enum_filter, enum_order
from fundmgr.pdf import pdf_response
from fundmgr.proposals.models import Proposal
from fundmgr.steering.documents import allocations_of, decision_letter_filename, decision_letter_pdf
from fundmgr.steering.models import (
    AgendaItem,
    Decision,
    DecisionOutcome,
    DecisionSubject,
    ItemState,
    Minutes,
)
from fundmgr.steering.verification import decision_findings, decision_record_of
from fundmgr.steering.views import SteeringView
from fundmgr.steering.voting import consensus, counted_votes, quorum_for
from fundmgr.web import in_fund


def proposal_value(column: Any) -> Any:
    """A column of the decision's proposal (NULL for a matter of the fund), as a correlated subquery."""
    return sa.select(column).where(Proposal.id == Decision.proposal_id).scalar_subquery()


def subject_text(decision: Decision) -> str:
    return decision.subject_text


def outcome_text(decision: Decision) -> str:
    return str(decision.outcome_title)


def taken_text(decision: Decision) -> str:
    return decision.held_in.reference if decision.held_in is not None else _("Written procedure")


# The register of the committee's decisions: latest first, on proposals, on matters of the fund, approving minutes.
DECISIONS = ListSpec(
    name="decisions",
    columns=(
        Column("date", _l("Date"), (Decision.decided_on,), lambda d: d.decided_on, first="desc"),
        Column("reference", _l("Reference"), (Decision.reference,), lambda d: d.reference),
        Column("subject", _l("Subject"), lambda: (proposal_value(Proposal.reference), Decision.subject), subject_text),
        Column("outcome", _l("Decision"), enum_order(Decision.outcome, DecisionOutcome), outcome_text),
        Column("amount", _l("Approved amount"), (Decision.approved_amount,), lambda d: d.approved_amount,
               first="desc", css="money"),
        Column("taken", _l("Taken"), value=taken_text),
        Column("conditions", _l("Conditions"), value=lambda d: d.conditions, shown=False),
    ),
    default_sort="date",
    tiebreak=(Decision.id,),
    search=(Decision.reference, Decision.matter, Decision.conditions, proposal_value(Proposal.reference),
            proposal_value(Proposal.title)),
    search_label=_l("Words in the reference, proposal, matter or conditions"),
    filters=(
        enum_filter("outcome", _l("Decision"), Decision.outcome, DecisionOutcome),
        enum_filter("subject", _l("Subject"), Decision.subject, DecisionSubject),
    ),
)  # fmt: skip


def decisions_of(fund: Fund) -> sa.Select:
    """The fund's decisions, with what a row shows loaded."""
    return (
        sa.select(Decision)
        .where(Decision.fund_id == fund.id)
        .options(
            so.joinedload(Decision.proposal),
            so.joinedload(Decision.item).joinedload(AgendaItem.meeting),
            so.joinedload(Decision.procedure),
            so.joinedload(Decision.meeting),
            so.joinedload(Decision.minutes).joinedload(Minutes.meeting),
            so.joinedload(Decision.minutes).joinedload(Minutes.signed_by),
        )
    )


class DecisionListView(SteeringView):
    """Every decision of the Steering Committee, on proposals, on matters of the fund and approving minutes, latest
    first, each traced to its meeting or procedure (the list component)."""

    def process(self):
        listing = DECISIONS.listing(decisions_of(self.fund), self.fund)
        return self.render("decisions.html", listing=listing)


class DecisionExportView(SteeringView):
    """The filtered, sorted register as CSV or Excel: the same query as the page, without its pages."""

    def load(self, fmt: str, **view_args: Any) -> None:
        if fmt not in ("csv", "xlsx"):
            abort(404)
        self.fmt = fmt
        self.load_fund()

    def process(self):
        listing = DECISIONS.listing(decisions_of(self.fund), self.fund)
        return listing.download(self.fmt, f"decisions-{self.fund.code.lower()}", _("Decisions"))


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
