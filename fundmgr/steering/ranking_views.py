"""The ranking page: one page of the proposals before the committee in ranking order, ranked by the database over
all of them (fundmgr.steering.ranked), with filters by thematic area and state and a search."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import area_choices
from fundmgr.lists import Column, Filter, Listing, ListSpec, is_db_int
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import queries as q
from fundmgr.steering import ranked
from fundmgr.steering.views import SteeringView
from fundmgr.web import db_int


def state_choices(_fund: Fund) -> list[tuple[str, str]]:
    return [(state.value, str(state.title)) for state in q.PIPELINE_STATES]


def ranking_spec(table: sa.Subquery) -> ListSpec:
    """The ranking as a list over the user's ranking (`ranked.ranked`): in ranking order by default, or by reference
    or reviews; filters and search narrow the list, the ranks stay those among every proposal the user may see."""
    return ListSpec(
        name="ranking",
        columns=(
            Column("rank", _l("Rank"), (table.c.position,), css="money"),
            Column("area_rank", _l("Rank in area"), css="money"),
            Column("proposal", _l("Proposal"), (table.c.reference,)),
            Column("area", _l("Thematic area")),
            Column("state", _l("State")),
            Column("mean", _l("Weighted mean"), css="money"),
            Column("reviews", _l("Reviews"), (table.c.reviews,), first="desc", css="money"),
            Column("agreement", _l("Agreement")),
        ),
        default_sort="rank",
        tiebreak=(table.c.proposal_id,),
        search=(table.c.reference, table.c.title),
        search_label=_l("Words in the title or reference"),
        filters=(
            Filter("area", _l("Thematic area"), lambda qy, v, _f: qy.where(table.c.primary_area_id == db_int(v)),
                   area_choices, valid=is_db_int),
            Filter("state", _l("State"), lambda qy, v, _f: qy.where(table.c.state == ProposalState(v)),
                   state_choices, valid=lambda v: v in {s.value for s in q.PIPELINE_STATES}),
        ),
    )  # fmt: skip


class RankingView(SteeringView):
    """Proposals in review and in the pipeline ranked by weighted score, overall and per thematic area: one page of
    the ranking, the proposals not (yet) ranked for the user listed below it."""

    def process(self):
        table, query = ranked.in_ranking_order(current_user, self.fund, hidden=False)
        spec = ranking_spec(table)
        state = spec.read(request.args)
        # the ranking computed once, its filtered rows read whole as plain rows; the page loads its own proposals
        rows = list(db.session.execute(spec.query(query, state, self.fund)))
        listing = Listing(
            spec, state, query, self.fund, whole=rows, load=lambda page: ranked.load_page(self.fund, page)
        )
        return self.render("ranking.html", listing=listing, unranked=ranked.unranked(current_user, self.fund))
