"""Forms of the Steering Committee's pages. The operations check everything again on the server."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from fundmgr.choices import options
from fundmgr.dates import DateField
from fundmgr.funds.models import Criterion
from fundmgr.i18n import fill_texts, language_choices, texts_of
from fundmgr.numbers import MONEY, PERCENTAGE, CountField, NumberField
from fundmgr.proposals.forms import CheckboxListField
from fundmgr.steering.models import (
    CONSENSUS_TITLES,
    MATTER_OUTCOMES,
    MATTER_SUBJECTS,
    DecisionOutcome,
    DecisionSubject,
    MeetingMode,
    Recommendation,
    Stance,
    VoteChoice,
)
from fundmgr.steering.operations.decisions import DecisionData

LANGUAGE_CHOICES = options(language_choices())


class ActionForm(FlaskForm):
    """A button that posts (start, close, open, ...): the CSRF token is all it carries."""


# --- Criteria --------------------------------------------------------------------------------------


class CriterionRowForm(Form):
    """One criterion in the criteria form (the enclosing form carries the CSRF token)."""

    criterion_id = HiddenField()
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=300)])
    name_fr = StringField(_l("Name (French)"), validators=[Length(max=300)])
    name_es = StringField(_l("Name (Spanish)"), validators=[Length(max=300)])
    guidance_en = TextAreaField(_l("Guidance (English)"), render_kw={"rows": 3})
    guidance_fr = TextAreaField(_l("Guidance (French)"), render_kw={"rows": 3})
    guidance_es = TextAreaField(_l("Guidance (Spanish)"), render_kw={"rows": 3})
    weight = NumberField(_l("Weight (%)"), kind=PERCENTAGE)
    scale_min = CountField(_l("Lowest score"), validators=[Optional()])
    scale_max = CountField(_l("Highest score"), validators=[Optional()])
    retired = BooleanField(_l("No longer used"))

    def fill(self, criterion: Criterion) -> None:
        self.criterion_id.data = str(criterion.id)
        self.code.data = criterion.code
        fill_texts(self, "name", criterion.name)
        fill_texts(self, "guidance", criterion.guidance)
        self.weight.data = criterion.weight
        self.scale_min.data, self.scale_max.data = criterion.scale_min, criterion.scale_max
        self.retired.data = criterion.retired

    def texts(self, prefix: str) -> dict[str, str]:
        return texts_of(self, prefix)


class CriteriaForm(FlaskForm):
    rows = FieldList(FormField(CriterionRowForm))
    new = FormField(CriterionRowForm, label=_l("Add a criterion"))
    submit = SubmitField(_l("Save the criteria"))


# --- Review -----------------------------------------------------------------------------------------


class AssignForm(FlaskForm):
    members = CheckboxListField(_l("Members who score this proposal"), coerce=int)
    due_on = DateField(_l("Scoring deadline"), validators=[InputRequired()])
    submit = SubmitField(_l("Save the assignments"))


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("Why you have a conflict of interest"), validators=[InputRequired(), Length(max=2000)])
    submit = SubmitField(_l("Declare the conflict and recuse myself"))


class WaiverForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the waiver"), validators=[InputRequired(), Length(max=2000)])
    submit = SubmitField(_l("Waive the conflict"))


def review_form(criteria: Sequence[Criterion], formdata: Any = None, **kwargs: Any) -> FlaskForm:
    """The scoring form for the fund's criteria: a score and a comment per criterion."""

    class ReviewForm(FlaskForm):
        recommendation = RadioField(
            _l("Overall recommendation"), choices=Recommendation.choices(), validators=[Optional()]
        )
        comment = TextAreaField(_l("Overall comment"), render_kw={"rows": 4})
        no_conflict = BooleanField(_l("I declare that I have no conflict of interest with this proposal."))
        save = SubmitField(_l("Save draft"))
        submit = SubmitField(_l("Submit the review"))

    for criterion in criteria:
        scale = options((str(v), str(v)) for v in range(criterion.scale_min, criterion.scale_max + 1))
        setattr(
            ReviewForm,
            f"score_{criterion.id}",
            RadioField(criterion.label, choices=scale, validators=[Optional()]),
        )
        setattr(
            ReviewForm,
            f"comment_{criterion.id}",
            TextAreaField(_l("Comment on this criterion"), render_kw={"rows": 2}),
        )
    return ReviewForm(formdata=formdata, **kwargs) if formdata is not None else ReviewForm(**kwargs)


# --- Meetings -------------------------------------------------------------------------------------


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    held_on = DateField(_l("Date"), validators=[InputRequired()])
    mode = SelectField(_l("Mode"), choices=MeetingMode.choices())
    location = StringField(_l("Place or video link"), validators=[Length(max=200)])
    language = SelectField(_l("Language of the meeting and its documents"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Schedule the meeting"))


class TermForm(FlaskForm):
    """The FMU appoints a holder and an alternate to a seat for a term."""

    seat = SelectField(_l("Seat"), coerce=int)
    holder = SelectField(_l("Holder"), coerce=int)
    alternate = SelectField(_l("Alternate"), coerce=int)
    starts_on = DateField(_l("From"), validators=[InputRequired()])
    ends_on = DateField(_l("To (last day; empty: until the term is ended)"), validators=[Optional()])
    submit = SubmitField(_l("Appoint"))


class EndTermForm(FlaskForm):
    """The FMU ends a term on a day."""

    ends_on = DateField(_l("Last day of the term"), validators=[InputRequired()])
    submit = SubmitField(_l("End the term"))


class AlternateForm(FlaskForm):
    """The FMU names another alternate (or none) for a running term."""

    alternate = SelectField(_l("Alternate"), coerce=int)
    submit = SubmitField(_l("Change the alternate"))


class PresidingForm(FlaskForm):
    """The committee designates the member who presides when the chair and the vice-chair may not."""

    member = SelectField(_l("Member presiding in the chair's place"), coerce=int)
    submit = SubmitField(_l("Designate"))


class AgendaForm(FlaskForm):
    proposals = CheckboxListField(_l("Proposals to add"), coerce=int)
    submit = SubmitField(_l("Add to the agenda"))


class AttendanceForm(FlaskForm):
    present = CheckboxListField(_l("Members present"), coerce=int)
    submit = SubmitField(_l("Record attendance"))


class VoteForm(FlaskForm):
    choice = RadioField(_l("Your vote"), choices=VoteChoice.choices(), validators=[InputRequired()])
    # Set by the confirmation page: a vote is cast only once confirmed there (scripts sending JSON confirm by
    # sending it).
    confirmed = HiddenField()


class PositionForm(FlaskForm):
    stance = RadioField(_l("Your position"), choices=Stance.choices(), validators=[InputRequired()])
    text = TextAreaField(_l("Your reservation, or the reason for your objection"), render_kw={"rows": 2})
    minute_by_name = BooleanField(_l("Minute my name with my reservation or objection"))
    # Set by the confirmation page: an objection is stated only once confirmed there.
    confirmed = HiddenField()
    submit = SubmitField(_l("State my position"))

    def stance_value(self) -> Stance | None:
        return Stance(self.stance.data) if self.stance.data else None


class MinutesForm(FlaskForm):
    """The FMU's summary of the discussion, printed above the items of the draft minutes."""

    summary = TextAreaField(_l("Summary of the discussion"), validators=[Length(max=10_000)], render_kw={"rows": 8})
    submit = SubmitField(_l("Save the draft"))


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=DecisionOutcome.choices(), validators=[InputRequired()])
    conditions = TextAreaField(_l("Conditions"), render_kw={"rows": 3})
    # labelled with the fund's own currency by in_currency()
    approved_amount = NumberField(_l("Approved amount"), kind=MONEY)
    development_deadline = DateField(_l("Programme document due by (a selection)"), validators=[Optional()])
    indicative_amount = NumberField(_l("Indicative amount (a selection)"), kind=MONEY)
    submit = SubmitField(_l("Record the decision"))

    def in_currency(self, currency: str) -> DecisionForm:
        """The amounts labelled with the fund's currency (a fund keeps its accounts in its own)."""
        self.approved_amount.label.text = _("Approved amount (%(currency)s)", currency=currency)
        self.indicative_amount.label.text = _("Indicative amount (a selection, %(currency)s)", currency=currency)
        return self

    def outcome_value(self) -> DecisionOutcome | None:
        return DecisionOutcome(self.outcome.data) if self.outcome.data else None

    def decision_data(self, amounts: dict[int, Decimal] | None = None) -> DecisionData:
        """The decision as the operations take it, with the amounts per organization the committee set (None: pro
        rata); a selection's terms only with a selection."""
        outcome = self.outcome_value()
        selecting = outcome is DecisionOutcome.select
        return DecisionData(
            outcome, self.conditions.data or "", self.approved_amount.data, amounts,
            development_deadline=self.development_deadline.data if selecting else None,
            indicative_amount=self.indicative_amount.data if selecting else None,
        )  # fmt: skip

    def by_consensus(self) -> DecisionForm:
        """The outcomes as a consensus body names them ("approved by consensus", ..., "no consensus")."""
        self.outcome.choices = options([(o.value, CONSENSUS_TITLES[o]) for o in DecisionOutcome])
        return self


class MatterForm(FlaskForm):
    """A matter of the fund the meeting decides as a whole (not one proposal)."""

    # labels lazily translated: the form is built at import, before anyone's language is known
    subject = RadioField(_l("What the committee decides"), validators=[InputRequired()],
                         choices=options((s.value, DecisionSubject.titles()[s]) for s in MATTER_SUBJECTS))  # fmt: skip
    outcome = RadioField(_l("Decision"), validators=[InputRequired()],
                         choices=options((o.value, DecisionOutcome.titles()[o]) for o in MATTER_OUTCOMES))  # fmt: skip
    matter = TextAreaField(_l("The decision as the committee words it"), render_kw={"rows": 4})
    amount = NumberField(_l("Approved amount"), kind=MONEY)  # labelled with the fund's currency by in_currency()
    call = SelectField(_l("Call for proposals"), coerce=int)
    submit = SubmitField(_l("Record the decision"))

    def in_currency(self, currency: str) -> MatterForm:
        """The amount labelled with the fund's currency."""
        self.amount.label.text = _("Approved amount (%(currency)s)", currency=currency)
        return self

    def by_consensus(self) -> MatterForm:
        """The outcomes as a consensus body names them."""
        self.outcome.choices = options([(o.value, CONSENSUS_TITLES[o]) for o in MATTER_OUTCOMES])
        return self


def with_organization_amounts(form_class: type[DecisionForm], organizations: list[tuple[int, str]]) -> type[Any]:
    """The decision form with one amount field per participating organization (`org_<id>`): the committee sets
    each organization's part when it approves less than requested (empty: pro rata of the budgets)."""
    fields = {
        f"org_{organization_id}": NumberField(_l("Amount for %(organization)s", organization=label), kind=MONEY)
        for organization_id, label in organizations
    }
    return type("OrganizationAmountsForm", (form_class,), fields)


def organization_amounts(form: Any, organization_ids: list[int]) -> dict[int, Decimal] | None:
    """The amounts per organization typed into the form (None when every field is empty: pro rata)."""
    typed = {i: form[f"org_{i}"].data for i in organization_ids}
    if all(value is None for value in typed.values()):
        return None
    return {i: (value if value is not None else Decimal(0)) for i, value in typed.items()}


class WrittenProcedureForm(DecisionForm):
    proposal = SelectField(_l("Proposal"), coerce=int)
    rationale = TextAreaField(_l("Rationale sent to the members"), render_kw={"rows": 4})
    deadline = DateField(_l("Members may object until (inclusive)"), validators=[InputRequired()])
    submit = SubmitField(_l("Circulate the proposed decision"))


class MatterProcedureForm(MatterForm):
    """A matter of the fund circulated by written procedure: the matter as a meeting would decide it, the rationale
    and the deadline for objections."""

    rationale = TextAreaField(_l("Rationale sent to the members"), render_kw={"rows": 4})
    deadline = DateField(_l("Members may object until (inclusive)"), validators=[InputRequired()])
    submit = SubmitField(_l("Circulate the proposed decision"))


class MinutesProcedureForm(FlaskForm):
    """A meeting's draft minutes circulated for approval by written procedure: the rationale and the deadline."""

    rationale = TextAreaField(_l("Rationale sent to the members"), render_kw={"rows": 4})
    deadline = DateField(_l("Members may object until (inclusive)"), validators=[InputRequired()])
    submit = SubmitField(_l("Circulate the proposed approval"))


class ResponseForm(FlaskForm):
    objects = RadioField(
        _l("Your answer"),
        choices=options([("no", _l("I do not object")), ("yes", _l("I object"))]),
        validators=[InputRequired()],
    )
    reason = TextAreaField(_l("Reason (required for an objection)"), render_kw={"rows": 3})
    submit = SubmitField(_l("Send my answer"))


# --- Portfolio proposals --------------------------------------------------------------------------


def portfolio_form(
    areas: Sequence[tuple[str, str]], regions: Sequence[tuple[str, str]], candidates: Sequence[Any], **kwargs: Any
) -> FlaskForm:
    """The FMU's request for a portfolio proposal: the budget, floors and ceilings per thematic area and region
    (percentages of the selected money), the marker floor, caps, and the proposals to include or exclude."""

    class PortfolioForm(FlaskForm):
        budget = NumberField(_l("Budget"), kind=MONEY, required=True)
        marker_floor = NumberField(_l("At least this share at the target marker level (%)"), kind=PERCENTAGE)
        country_cap = NumberField(_l("At most this much per country"), kind=MONEY)
        organization_cap = NumberField(_l("At most this much per lead organization"), kind=MONEY)
        per_country = CountField(_l("At most this many proposals per country"))
        include = CheckboxListField(_l("Must include"), coerce=int, validators=[Optional()])
        exclude = CheckboxListField(_l("Must exclude"), coerce=int, validators=[Optional()])
        submit = SubmitField(_l("Propose a portfolio"))

    for prefix, named in (("area", areas), ("region", regions)):  # (code, name) pairs
        for code, name in named:
            floor = NumberField(_l("Floor for %(name)s (%%)", name=name), kind=PERCENTAGE)
            ceiling = NumberField(_l("Ceiling for %(name)s (%%)", name=name), kind=PERCENTAGE)
            setattr(PortfolioForm, f"{prefix}_floor_{code}", floor)
            setattr(PortfolioForm, f"{prefix}_ceiling_{code}", ceiling)
    form = PortfolioForm(**kwargs)
    choices = options((c["id"], f"{c['reference']} {c['title']}") for c in candidates)
    form.include.choices = choices
    form.exclude.choices = choices
    return form
