"""Pages of meetings: agenda, attendance, the live board, items, votes, decisions in session, PDFs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.choices import options
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.finance import operations as finance_ops
from fundmgr.funds.rights import FUND_MANAGERS, is_sc_member
from fundmgr.funds.seats import rules_of, seat_labels
from fundmgr.i18n import language_name, requested_language
from fundmgr.jobs.kinds import Kind, Output, Progress, register
from fundmgr.jobs.models import Job
from fundmgr.jobs.runner import ask
from fundmgr.jobs.views import asked_redirect
from fundmgr.lists import Column, ListSpec, enum_filter, enum_order
from fundmgr.pdf import pdf_response
from fundmgr.proposals.models import Proposal, ProposalVersion
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering.board import board_context, board_meeting, board_summary, revision_of
from fundmgr.steering.documents import meeting_pack_pdf, minutes_filename, minutes_pdf
from fundmgr.steering.forms import (
    ActionForm,
    AgendaForm,
    AttendanceForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    MinutesProcedureForm,
    PositionForm,
    VoteForm,
    organization_amounts,
    with_organization_amounts,
)
from fundmgr.steering.models import (
    AgendaItem,
    Meeting,
    MeetingMode,
    MeetingState,
    Minutes,
    MinutesState,
    Stance,
    VoteChoice,
    WrittenProcedure,
    WrittenProcedureState,
)
from fundmgr.steering.presiding import may_operate_item, may_run_meeting
from fundmgr.steering.presiding_views import presiding_form
from fundmgr.steering.views import ActionView, SteeringView, form_problems
from fundmgr.steering.voting import consensus, quorum_for, tally
from fundmgr.web import in_fund, refusals_shown_on, wants_json


def item_count() -> tuple[Any, ...]:
    return (sa.select(sa.func.count(AgendaItem.id)).where(AgendaItem.meeting_id == Meeting.id).scalar_subquery(),)


# The fund's meetings: the latest date first (the next ones, then the past ones).
MEETINGS = ListSpec(
    name="meetings",
    columns=(
        Column("date", _l("Date"), (Meeting.held_on,), lambda m: m.held_on, first="desc"),
        Column("reference", _l("Reference"), (Meeting.reference,), lambda m: m.reference, shown=False),
        Column("meeting", _l("Meeting"), (Meeting.title,), lambda m: m.title),
        Column("mode", _l("Mode"), enum_order(Meeting.mode, MeetingMode), lambda m: str(m.mode.title)),
        Column("language", _l("Language"), (Meeting.language,), lambda m: language_name(m.language)),
        Column("items", _l("Items"), item_count, lambda m: len(m.items), first="desc", css="money"),
        Column("state", _l("State"), enum_order(Meeting.state, MeetingState), lambda m: str(m.state.title)),
        Column("location", _l("Location"), value=lambda m: m.location, shown=False),
    ),
    default_sort="date",
    tiebreak=(Meeting.id,),
    search=(Meeting.title, Meeting.reference, Meeting.location),
    search_label=_l("Words in the title, reference or place"),
    filters=(
        enum_filter("state", _l("State"), Meeting.state, MeetingState),
        enum_filter("mode", _l("Mode"), Meeting.mode, MeetingMode),
    ),
)  # fmt: skip


def meetings_of(fund: Any) -> sa.Select:
    return sa.select(Meeting).where(Meeting.fund_id == fund.id).options(so.selectinload(Meeting.items))


class MeetingListView(SteeringView):
    """Meetings of the fund, the latest date first (the list component)."""

    def process(self):
        return self.render("meetings.html", listing=MEETINGS.listing(meetings_of(self.fund), self.fund))


class MeetingExportView(SteeringView):
    """The filtered, sorted meetings as CSV or Excel: the same query as the page, without its pages."""

    def load(self, fmt: str, **view_args: Any) -> None:
        if fmt not in ("csv", "xlsx"):
            abort(404)
        self.fmt = fmt
        self.load_fund()

    def process(self):
        listing = MEETINGS.listing(meetings_of(self.fund), self.fund)
        return listing.download(self.fmt, f"meetings-{self.fund.code.lower()}", _("Meetings"))


class MeetingNewView(SteeringView):
    """The FMU schedules a meeting: date, mode, place, language (the quorum is the committee's, on its seats)."""

    methods = ["GET", "POST"]
    roles = FUND_MANAGERS

    def process(self):
        form = MeetingForm(language=current_app.config["BABEL_DEFAULT_LOCALE"])
        if form.validate_on_submit():
            data = ops.MeetingData(
                title=form.title.data,
                held_on=form.held_on.data,
                mode=MeetingMode(form.mode.data),
                location=form.location.data or "",
                language=form.language.data,
            )
            with refusals_shown_on(form):
                meeting = ops.schedule_meeting(self.fund, data, actor=current_user)
                flash(_("Meeting %(ref)s is scheduled.", ref=meeting.reference), "success")
                return redirect(url_for("steering.meeting", meeting_id=meeting.id))
        return self.render("meeting_form.html", form=form)


class MeetingBaseView(SteeringView):
    """A page of one meeting: the FMU, administrators and SC members see meetings."""

    def load(self, meeting_id: int, **_view_args: Any) -> None:
        self.load_fund()
        self.meeting = in_fund(db.session.get(Meeting, meeting_id), self.fund)

    def can_access(self, user: User) -> bool:
        """Whoever may see the meeting (the FMU, administrators, SC members)."""
        return self.meeting.can_view(user)

    def back(self) -> Any:
        return redirect(url_for("steering.meeting", meeting_id=self.meeting.id))


class MeetingView(MeetingBaseView):
    """A meeting: details, agenda, attendance; the FMU builds the agenda and records who is present."""

    def process(self):
        meeting, user = self.meeting, current_user
        context: dict[str, Any] = {"meeting": meeting, "action_form": ActionForm(),
                                   "can_run_meeting": may_run_meeting(user, meeting),
                                   "quorum_seats": rules_of(self.fund).quorum_voting_seats}  # fmt: skip
        context["recused_items"] = {item.id for item in meeting.items if item.proposal.is_recused(user)}
        context["awaiting_approval"] = awaiting_approval(meeting) if context["can_run_meeting"] else []
        runs = context["can_run_meeting"] and meeting.state in (MeetingState.scheduled, MeetingState.in_progress)
        context["presiding_form"] = presiding_form(meeting) if runs else None
        context |= {"end_question": end_question(meeting), "approve_question": approve_question}
        if meeting.can_manage(user):
            listed = {item.proposal_id for item in meeting.items}
            candidates = [p for p in q.proposals_in(self.fund, q.PIPELINE_STATES) if p.id not in listed]
            agenda_form = AgendaForm()
            agenda_form.proposals.choices = options([(p.id, f"{p.reference} · {p.title}") for p in candidates])
            attendance_form = AttendanceForm(present=[a.member_id for a in meeting.attendance if a.present])
            seats = seat_labels(self.fund, meeting.held_on)
            attendance_form.present.choices = options(
                [(a.member_id, attendance_label(a, seats)) for a in meeting.attendance]
            )
            context |= {"agenda_form": agenda_form, "attendance_form": attendance_form}
        return self.render("meeting.html", **context)


def awaiting_approval(meeting: Meeting) -> list[Minutes]:
    """The draft minutes of earlier meetings of the fund this meeting, under way, may approve (not those a written
    procedure still open proposes to approve)."""
    if meeting.state is not MeetingState.in_progress:
        return []
    in_procedure = sa.exists().where(
        WrittenProcedure.minutes_id == Minutes.id, WrittenProcedure.state == WrittenProcedureState.open
    )
    query = (
        sa.select(Minutes)
        .join(Minutes.meeting)
        .where(Meeting.fund_id == meeting.fund_id, Minutes.state == MinutesState.draft, Meeting.id != meeting.id)
        .where(~in_procedure)
        .order_by(Meeting.held_on, Meeting.id)
    )
    return list(db.session.scalars(query))


def attendance_label(attendance: Any, seats: dict[int, str]) -> str:
    member = attendance.member
    seat = seats.get(member.id, _("no seat"))
    return f"{member.name} ({member.organization.label}, {seat})"


class MeetingManageView(MeetingBaseView):
    """Base of the FMU's changes to a meeting."""

    methods = ["POST"]

    def can_access(self, user: User) -> bool:
        """The FMU (the secretariat) manages meetings."""
        return self.meeting.can_manage(user)


class AgendaAddView(MeetingManageView):
    """The FMU adds proposals in review (or endorsed ones awaiting funds) to the agenda."""

    def process(self):
        form = AgendaForm()
        form.proposals.choices = options([(p.id, p.reference) for p in q.proposals_in(self.fund, q.PIPELINE_STATES)])
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        proposals = db.session.scalars(
            sa.select(Proposal).where(Proposal.id.in_(form.proposals.data)).order_by(Proposal.reference)
        ).all()
        ops.add_agenda_items(self.meeting, list(proposals), actor=current_user)
        flash(_("The agenda is updated."), "success")
        return self.back()


class AgendaRemoveView(MeetingManageView):
    """The FMU takes an item not yet discussed off the agenda."""

    def load(self, meeting_id: int, item_id: int) -> None:
        super().load(meeting_id)
        self.item = item_of(self.meeting, item_id)

    def process(self):
        if not ActionForm().validate_on_submit():
            abort(400)
        question = _("Take %(ref)s off the agenda?", ref=self.item.proposal.reference)
        if page := unconfirmed(question, back=self.back().location):
            return page
        ops.remove_agenda_item(self.item, actor=current_user)
        flash(_("The item is removed from the agenda."), "success")
        return self.back()


def item_of(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


class AttendanceView(MeetingManageView):
    """The FMU records which invited members are present."""

    def process(self):
        form = AttendanceForm()
        form.present.choices = options([(a.member_id, a.member.name) for a in self.meeting.attendance])
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        ops.record_attendance(self.meeting, set(form.present.data or []), actor=current_user)
        flash(_("Attendance is recorded."), "success")
        return self.back()


# Whole sentences, not "now %(state)s": a state's title does not fit mid-sentence in every language.
MEETING_MOVED = {
    MeetingState.in_progress: _l("The meeting has started."),
    MeetingState.closed: _l("The meeting has ended; its minutes are drafted for the committee to approve."),
    MeetingState.cancelled: _l("The meeting has been cancelled."),
}


class MeetingMoveView(MeetingBaseView, ActionView):
    """Base of the buttons that move a meeting: `operation(meeting, actor=...)`; the chair or the FMU."""

    operation: Any

    def can_access(self, user: User) -> bool:
        """The chair, the vice-chair or the FMU start and end meetings."""
        return may_run_meeting(user, self.meeting)

    def act(self):
        self.operation(self.meeting, actor=current_user)
        flash(str(MEETING_MOVED[self.meeting.state]), "success")
        if self.meeting.state is MeetingState.in_progress:
            return redirect(url_for("steering.board", meeting_id=self.meeting.id))
        return self.back()


class StartMeetingView(MeetingMoveView):
    """The chair or the FMU starts the meeting and goes to the live board."""

    operation = staticmethod(ops.start_meeting)


class EndMeetingView(MeetingMoveView):
    """The chair or the FMU ends the meeting, once confirmed; its minutes are drafted."""

    operation = staticmethod(ops.end_meeting)

    def question(self) -> tuple[str, str]:
        return end_question(self.meeting)


def end_question(meeting: Meeting) -> tuple[str, str]:
    """What ending the meeting asks (the button's dialog and the page without script say the same)."""
    consequence = _("Once the meeting has ended, no item can be opened or decided in it again; its minutes are "
                    "drafted for the committee to approve at a later meeting.")  # fmt: skip
    if meeting.open_item is not None:
        consequence = f"{consequence} {_('Close the open item before ending the meeting.')}"
    return _("End the meeting?"), consequence


class CancelMeetingView(MeetingMoveView):
    """The FMU cancels a meeting."""

    operation = staticmethod(ops.cancel_meeting)

    def question(self) -> tuple[str, str]:
        return _("Cancel the meeting?"), _("A cancelled meeting cannot be started again.")

    def can_access(self, user: User) -> bool:
        """The FMU (the secretariat) cancels meetings."""
        return self.meeting.can_manage(user)


# --- The live board, items, votes, decisions ---------------------------------------------------


def render_board(context: dict[str, Any]) -> str:
    return render_template("steering/_board.html", **context, vote_form=VoteForm(), position_form=PositionForm(),
                           action_form=ActionForm(), close_question=close_question)  # fmt: skip


class BoardBaseView(MeetingBaseView):
    """The board's page and its poll: the meeting is read with what the board shows (`board_meeting`)."""

    def load(self, meeting_id: int, **_view_args: Any) -> None:
        self.load_fund()
        self.meeting = in_fund(board_meeting(meeting_id), self.fund)


class BoardView(BoardBaseView):
    """The live board: the current item, recusals, scores and votes as they come in; members vote here.

    Without script it is a page to reload; with static/js/steering-board.js it polls board.json.
    """

    def process(self):
        context = board_context(self.meeting, current_user)
        fragment = render_board(context)
        return self.render("board.html", meeting=self.meeting, fragment=fragment, revision=revision_of(fragment))


class BoardDataView(BoardBaseView):
    """The board as JSON for the page's script: a fingerprint, the fragment, and the figures it shows."""

    def process(self):
        context = board_context(self.meeting, current_user)
        fragment = render_board(context)
        revision = revision_of(fragment)
        response = {"revision": revision} | board_summary(context)
        if request.args.get("since") == revision:
            response["unchanged"] = True
        else:
            response["html"] = fragment
        answer = jsonify(response)
        answer.headers["Cache-Control"] = "no-store"
        return answer


class ItemView(MeetingBaseView):
    """Base of the pages and actions on one agenda item."""

    # How the item's proposal is read with it: whole, for the pages and the chair's actions.
    proposal_loading: Any = so.joinedload(AgendaItem.proposal)
    _item_query: sa.Select

    def load(self, meeting_id: int, item_id: int, **_view_args: Any) -> None:
        """The item with its meeting and its proposal, in one statement (a member's position or vote reads them on
        every request); 404 unless the item is on that meeting of the fund the user works in."""
        self.load_fund()
        item = db.session.scalar(self.item_query(), {"item_id": item_id, "meeting_id": meeting_id})
        if item is None:
            abort(404)
        self.meeting = in_fund(item.meeting, self.fund)
        self.item = item

    @classmethod
    def item_query(cls) -> sa.Select:
        """The statement of `load`, built once per view class (its parameters `item_id` and `meeting_id`): every
        member's answer runs it at the same moment, and building it cost more than a tenth of a millisecond each."""
        if "_item_query" not in cls.__dict__:
            cls._item_query = (
                sa.select(AgendaItem)
                .join(AgendaItem.meeting)
                .where(AgendaItem.id == sa.bindparam("item_id"), AgendaItem.meeting_id == sa.bindparam("meeting_id"))
                .options(so.contains_eager(AgendaItem.meeting), cls.proposal_loading)
            )
        return cls._item_query

    def back(self) -> Any:
        return redirect(url_for("steering.board", meeting_id=self.meeting.id))


class ItemMoveView(ItemView, ActionView):
    """Base of the chair's buttons that move an agenda item: `operation(item, actor=...)`."""

    operation: Any

    def can_access(self, user: User) -> bool:
        """Whoever presides over the item (steering.presiding), or the FMU for them where the policy lets it."""
        return may_operate_item(user, self.item)

    def act(self):
        self.operation(self.item, actor=current_user)
        return self.back()


class OpenItemView(ItemMoveView):
    """Whoever presides (or the FMU for them) opens an item for discussion and votes."""

    operation = staticmethod(ops.open_item)


class CloseItemView(ItemMoveView):
    """Whoever presides (or the FMU for them) closes the item's votes (or positions), once confirmed."""

    operation = staticmethod(ops.close_item)

    def question(self) -> tuple[str, str]:
        return close_question(self.item)


def close_question(item: AgendaItem) -> tuple[str, str]:
    """What closing an item asks, on the board's button and on the page without script."""
    reference = item.proposal.reference
    if item.meeting.by_consensus:
        return (_("Close the item %(ref)s?", ref=reference),
                _("Members can no longer state or change their positions on it, unless it is reopened."))  # fmt: skip
    return (_("Close the votes on %(ref)s?", ref=reference),
            _("Members can no longer vote or change their votes on it, unless it is reopened."))  # fmt: skip


# A member's answer (a vote, a position) needs of the proposal only what says who takes part in its decision and
# what its audit entry names, not its texts: every member sends theirs at the same moment. Other columns, if a page
# shown instead of the JSON answer asks for them, are read when asked.
ANSWER_PROPOSAL_LOADING = so.joinedload(AgendaItem.proposal).load_only(
    Proposal.fund_id, Proposal.reference_number, Proposal.lead_organization_id, Proposal.state
)


class VoteView(ItemView):
    """A member votes on the open item from their own device, once confirmed on its own page (no script needed);
    answers JSON to scripts."""

    methods = ["POST"]
    proposal_loading = ANSWER_PROPOSAL_LOADING
    lean_signed_in = True

    def can_access(self, user: User) -> bool:
        """SC members vote (presence, recusal and the item's state are the operation's to check)."""
        return is_sc_member(user, self.fund)

    def process(self):
        form = VoteForm()
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form) or [_("Choose your vote.")])
        choice = VoteChoice(form.choice.data)
        if form.confirmed.data != "yes" and not wants_json():
            return self.render("confirm_vote.html", meeting=self.meeting, item=self.item, choice=choice)
        choice = ops.cast_vote(self.item, current_user, choice, actor=current_user)
        if wants_json():
            return jsonify(vote={"item": self.item.id, "choice": choice.value}), 201
        flash(_("Your vote is recorded: %(choice)s.", choice=choice.title), "success")
        return self.back()


class PositionView(ItemView):
    """A member states their position on the open item from their own device (consensus); an objection is
    stated only once confirmed on its own page; answers JSON to scripts."""

    methods = ["POST"]
    proposal_loading = ANSWER_PROPOSAL_LOADING
    lean_signed_in = True

    def can_access(self, user: User) -> bool:
        """SC members state positions (presence, recusal and the item's state are the operation's to check)."""
        return is_sc_member(user, self.fund)

    def process(self):
        form = PositionForm()
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form) or [_("Choose your position.")])
        data = ops.PositionData(form.stance_value(), form.text.data or "", bool(form.minute_by_name.data))
        if data.stance is Stance.object and form.confirmed.data != "yes" and not wants_json():
            problems = ops.position_problems(data)
            if problems:
                raise ValidationFailed(problems)
            return self.render("confirm_position.html", meeting=self.meeting, item=self.item, form=form)
        stance = ops.state_position(self.item, current_user, data, actor=current_user)
        if wants_json():
            return jsonify(position={"item": self.item.id, "stance": stance.value}), 201
        flash(_("Your position is recorded: %(stance)s.", stance=stance.title), "success")
        return self.back()


def organizations_of(version: ProposalVersion) -> list[tuple[int, str]]:
    """The version's organizations with a budget, as (id, label), in the version's order."""
    labels = {p.organization_id: p.code for p in version.snapshot.participants}
    labels |= {p.organization_id: p.organization.label for p in version.proposal.participants}
    return [(s.organization_id, labels[s.organization_id]) for s in finance_ops.version_shares(version)]


def pro_rata_of(version: ProposalVersion, approved: Any) -> dict[int, Any]:
    """Each organization's pro rata part of the approved amount typed (nothing when it is not a valid amount)."""
    if not isinstance(approved, Decimal) or not 0 < approved <= version.total:
        return {}
    return finance_ops.pro_rata_amounts(version, approved)


class DecisionView(ItemView):
    """Whoever presides (or the FMU for them) records the decision on an item: outcome, conditions, amount."""

    methods = ["GET", "POST"]

    def can_access(self, user: User) -> bool:
        """Whoever presides over the item, or the FMU for them where the policy lets it, records its decision."""
        return may_operate_item(user, self.item)

    def process(self):
        item = self.item
        # a concept note is not funded (its programme document will be): no amounts per organization
        organizations = [] if item.proposal.is_concept_note else organizations_of(item.version)
        form = with_organization_amounts(DecisionForm, organizations)().in_currency(self.fund.currency)
        if self.meeting.by_consensus:
            form.by_consensus()
        if request.method == "GET":
            if item.proposal.is_concept_note:
                form.indicative_amount.data = item.proposal.indicative_total
            else:
                form.approved_amount.data = item.version.total
                for organization_id, amount in finance_ops.pro_rata_amounts(item.version, item.version.total).items():
                    form[f"org_{organization_id}"].data = amount
        elif form.validate_on_submit():
            amounts = organization_amounts(form, [i for i, _label in organizations])
            if amounts is not None and amounts == finance_ops.pro_rata_amounts(item.version, item.version.total):
                amounts = None  # left as prefilled (each organization's budget): pro rata of the approved amount
            data = form.decision_data(amounts)
            with refusals_shown_on(form):
                decision = ops.record_decision(item, data, actor=current_user)
                flash(_("Decision %(ref)s is recorded.", ref=decision.reference), "success")
                return self.back()
        quorum = quorum_for(item)
        return self.render(
            "decision_form.html",
            meeting=self.meeting,
            item=item,
            form=form,
            quorum=quorum,
            tally=None if self.meeting.by_consensus else tally(item, quorum),
            consensus=consensus(item, quorum) if self.meeting.by_consensus else None,
            organization_fields=[form[f"org_{i}"] for i, _label in organizations],
            pro_rata=pro_rata_of(item.version, form.approved_amount.data),
        )


# Whole sentences: why a document does not exist yet.
NOT_YET = {
    "pack": _l("The meeting pack exists once the agenda has an item."),
    "minutes": _l("There are no minutes before the meeting has started."),
}


def not_yet(view: MeetingBaseView, document: str) -> Any:
    """A document asked for before it means anything: 409 with the reason, and the way back to the meeting."""
    return view.render("not_yet.html", meeting=view.meeting, message=NOT_YET[document]), 409


def minutes_exist(meeting: Meeting) -> bool:
    return meeting.state in (MeetingState.in_progress, MeetingState.closed)


def build_meeting_pack(job: Job, progress: Progress) -> Output:
    """The meeting pack as its asker may read it (a recused member's copy leaves their items out)."""
    meeting = db.session.get(Meeting, job.params["meeting_id"])
    assert meeting is not None
    progress(10, "render")
    pdf = meeting_pack_pdf(meeting, current_user, job.language)
    return Output(pdf, f"{meeting.reference}-pack.pdf", "application/pdf")


def may_see_meeting_pack(user: User, job: Job) -> bool:
    """Whoever may still see the meeting."""
    meeting = db.session.get(Meeting, job.params["meeting_id"])
    return meeting is not None and meeting.can_view(user)


MEETING_PACK = register(Kind("meeting-pack", _l("Meeting pack"), build_meeting_pack, may_see_meeting_pack))


class MeetingPackView(MeetingBaseView):
    """Ask for the meeting pack PDF (agenda, ranking, a page per proposal) in the language asked for (?lang=, by
    default the meeting's), once it has an agenda: a job."""

    methods = ["POST"]

    def process(self):
        if not self.meeting.items:
            return not_yet(self, "pack")
        params = {"meeting_id": self.meeting.id}
        language = requested_language(self.meeting.language)
        job = ask(MEETING_PACK, fund=self.fund, user=current_user, params=params, language=language)
        return asked_redirect(job)


class MinutesView(MeetingBaseView):
    """The minutes PDF (attendance, quorum, recusals, positions or votes, decisions) in the language asked for
    (?lang=, by default the meeting's): the approved minutes as frozen (a recused member's copy without their
    items), else the draft; none before the start."""

    def process(self):
        if not minutes_exist(self.meeting):
            return not_yet(self, "minutes")
        language = requested_language(self.meeting.language)
        return pdf_response(minutes_pdf(self.meeting, current_user, language), minutes_filename(self.meeting, language))


class MinutesRecordView(MeetingBaseView):
    """The official minutes of a meeting: their state, who approved and signed them where; the FMU writes the
    draft's summary."""

    methods = ["GET", "POST"]

    def process(self):
        minutes = self.meeting.minutes
        if not minutes_exist(self.meeting):
            return not_yet(self, "minutes")
        form = None
        open_procedure = ops.open_minutes_procedure(minutes) if minutes is not None else None
        if minutes is not None and minutes.can_edit(current_user) and open_procedure is None:
            form = MinutesForm(summary=minutes.summary) if request.method == "GET" else MinutesForm()
            if form.validate_on_submit():
                with refusals_shown_on(form, form.summary):
                    ops.edit_minutes(minutes, form.summary.data or "", actor=current_user)
                    flash(_("The draft minutes are saved."), "success")
                    return redirect(url_for("steering.minutes_record", meeting_id=self.meeting.id))
        elif request.method == "POST":
            abort(403)
        may_circulate = form is not None  # a draft the FMU may change, under no procedure
        return self.render("minutes.html", meeting=self.meeting, minutes=minutes, form=form,
                           open_procedure=open_procedure, may_circulate=may_circulate)  # fmt: skip


class MinutesProcedureNewView(MeetingBaseView):
    """The FMU circulates a proposal to approve the meeting's draft minutes by written procedure, with a deadline
    for objections."""

    methods = ["GET", "POST"]
    roles = FUND_MANAGERS

    def process(self):
        minutes = self.meeting.minutes
        if minutes is None or minutes.is_frozen:
            abort(404)
        form = MinutesProcedureForm()
        if request.method == "POST" and form.validate_on_submit():
            with refusals_shown_on(form):
                procedure = ops.circulate_minutes_procedure(
                    minutes, rationale=form.rationale.data or "", deadline=form.deadline.data, actor=current_user
                )
                flash(_("Written procedure %(ref)s is circulated.", ref=procedure.reference), "success")
                return redirect(url_for("steering.procedure", procedure_id=procedure.id))
        return self.render("procedure_minutes_form.html", meeting=self.meeting, minutes=minutes, form=form,
                           open_procedure=ops.open_minutes_procedure(minutes))  # fmt: skip


class ApproveMinutesView(MeetingBaseView, ActionView):
    """In a meeting under way, whoever runs it records that the committee approves the minutes of an earlier
    meeting; whoever presides signs them and they are frozen."""

    def load(self, meeting_id: int, minutes_id: int) -> None:
        super().load(meeting_id)
        self.minutes = db.session.get(Minutes, minutes_id)
        if self.minutes is None or self.minutes.meeting.fund_id != self.fund.id:
            abort(404)

    def can_access(self, user: User) -> bool:
        """The chair, the vice-chair or the FMU, who run the meeting."""
        return may_run_meeting(user, self.meeting)

    def question(self) -> tuple[str, str]:
        return approve_question(self.minutes)

    def act(self):
        ops.approve_minutes(self.minutes, self.meeting, actor=current_user)
        flash(_("The minutes of %(ref)s are approved and signed.", ref=self.minutes.meeting.reference), "success")
        return self.back()


def approve_question(minutes: Minutes) -> tuple[str, str]:
    """What recording the approval of minutes asks, on the meeting's button and on the page without script."""
    return (_("Record that the committee approves the minutes of %(ref)s?", ref=minutes.meeting.reference),
            _("Whoever presides over this meeting signs them; they can no longer be changed."))  # fmt: skip
