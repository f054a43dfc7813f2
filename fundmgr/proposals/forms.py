"""Forms of the proposal pages. They check the shape of the input; the operations check the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from fundmgr.accounts.models import Organization
from fundmgr.choices import options
from fundmgr.dates import DateField
from fundmgr.funds import queries as fq
from fundmgr.funds.models import Fund, Marker
from fundmgr.i18n import localize
from fundmgr.numbers import AREA_SHARE, INDICATOR_VALUE, CountField, NumberField
from fundmgr.proposals.models import HUNDRED, AttachmentKind, Proposal, Screening
from fundmgr.proposals.operations import IndicatorValues, ProposalDetails

BLANK = SelectChoice("", "—")


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (easier with a keyboard than a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


OTHER_AREAS = 4  # rows offered for areas beside the primary one


class AreaShareForm(Form):
    """Another thematic area of a proposal and its share."""

    area = SelectField(_l("Other thematic area"), [Optional()])
    share = NumberField(_l("Share (%)"), [Optional()], kind=AREA_SHARE)

    def validate_area(self, field: SelectField) -> None:
        """A share without its area would be dropped: ask for the area."""
        if not field.data and self.share.data is not None:
            raise ValidationError(_l("Choose the thematic area of this share."))


class DetailsForm(FlaskForm):
    """Title, summary, place, alignment, duration, start date and endorsement of a proposal."""

    title = StringField(_l("Title"), [DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), [Length(max=20000)], render_kw={"rows": 8})
    scope = RadioField(
        _l("Where the programme takes place"),
        choices=options([("country", _l("In one country")), ("region", _l("In several countries of a region"))]),
        default="country",
    )
    country = SelectField(_l("Country"), [Optional()])
    region = SelectField(_l("Region (multi-country programmes)"), [Optional()])
    countries = SelectMultipleField(_l("Countries (multi-country programmes)"), [Optional()], render_kw={"size": 8})
    primary_area = SelectField(_l("Primary thematic area"), [Optional()])
    primary_share = NumberField(_l("Share of the primary area (%)"), [Optional()], kind=AREA_SHARE)
    other_areas = FieldList(FormField(AreaShareForm), min_entries=OTHER_AREAS, max_entries=OTHER_AREAS)
    objectives = CheckboxListField(_l("Objectives"), [Optional()], coerce=int)
    principles = CheckboxListField(_l("Guiding principles addressed"), [Optional()])
    duration_months = CountField(_l("Duration in months"), [Optional(), NumberRange(1, 240)])
    start_date = DateField(_l("Planned start date"), [Optional()])
    government_endorsement = BooleanField(_l("The government endorses the programme"))

    def __init__(self, fund: Fund, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fund = fund
        countries = fq.countries()
        self.country.choices = [BLANK, *options((c.iso3, c.label) for c in countries)]
        self.countries.choices = options((c.iso3, c.label) for c in countries)
        # every M49 level the list filter offers: Western Africa and the Caribbean are intermediate regions
        self.region.choices = [BLANK, *options((r.code, r.label) for r in fq.regions())]
        areas = fq.active(fund.thematic_areas)
        self.primary_area.choices = [BLANK, *options((a.code, f"{a.number}. {a.label}") for a in areas)]
        for row in self.other_areas:
            row.area.choices = self.primary_area.choices
        self.objectives.choices = options((o.number, o.label) for o in fq.active(fund.objectives))
        self.principles.choices = options((p.code, p.label) for p in fq.active(fund.guiding_principles))

    @classmethod
    def of(cls, proposal: Proposal, **kwargs: Any) -> DetailsForm:
        """The form filled with a proposal's current details."""
        return cls(
            proposal.fund,
            data={
                "title": proposal.title,
                "summary": proposal.summary,
                "scope": "region" if proposal.is_multi_country else "country",
                "country": proposal.country.iso3 if proposal.country else "",
                "region": proposal.region_code or "",
                "countries": [c.iso3 for c in proposal.countries],
                "primary_area": proposal.primary_area.code if proposal.primary_area else "",
                "primary_share": proposal.area_shares[0][1] if proposal.area_shares else None,
                "other_areas": [{"area": area.code, "share": share} for area, share in proposal.area_shares[1:]],
                "objectives": [o.number for o in proposal.objectives],
                "principles": [p.code for p in proposal.principles],
                "duration_months": proposal.duration_months,
                "start_date": proposal.start_date,
                "government_endorsement": proposal.government_endorsement,
            },
            **kwargs,
        )

    def details(self) -> ProposalDetails:
        """The input as objects of the fund."""
        fund = self.fund
        multi = self.scope.data == "region"
        by_iso3 = {c.iso3: c for c in fq.countries()}
        areas = {a.code: a for a in fund.thematic_areas}
        objectives = {o.number: o for o in fund.objectives}
        principles = {p.code: p for p in fund.guiding_principles}
        return ProposalDetails(
            title=self.title.data or "",
            summary=self.summary.data or "",
            country=None if multi else by_iso3.get(self.country.data or ""),
            region_code=(self.region.data or None) if multi else None,
            countries=[by_iso3[c] for c in self.countries.data or [] if c in by_iso3] if multi else [],
            primary_area=areas.get(self.primary_area.data or ""),
            primary_share=self.primary_share.data if self.primary_share.data is not None else HUNDRED,
            other_areas=[
                (areas[row.area.data], row.share.data if row.share.data is not None else Decimal(0))
                for row in self.other_areas
                if row.area.data in areas
            ],
            objectives=[objectives[n] for n in self.objectives.data or [] if n in objectives],
            principles=[principles[c] for c in self.principles.data or [] if c in principles],
            duration_months=self.duration_months.data,
            start_date=self.start_date.data,
            government_endorsement=bool(self.government_endorsement.data),
        )


class OrganizationsForm(FlaskForm):
    """The lead organization and the other participating organizations."""

    lead = SelectField(_l("Lead organization"), [DataRequired()])
    partners = CheckboxListField(_l("Other organizations"), [Optional()])  # named as the fund calls them below

    def __init__(self, fund: Fund, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners.label.text = _("Other %(organizations)s", organizations=fund.participants_label)
        self.organizations = {o.code: o for o in fund.participating_organizations}
        choices = sorted(((o.code, f"{o.label} – {o.full_name}") for o in self.organizations.values()),
                         key=lambda c: c[1].lower())  # fmt: skip
        self.lead.choices = [BLANK, *options(choices)]
        self.partners.choices = options(choices)

    @property
    def chosen_lead(self) -> Organization:
        return self.organizations[self.lead.data]

    @property
    def chosen_partners(self) -> list[Organization]:
        return [self.organizations[code] for code in self.partners.data or [] if code in self.organizations]


def markers_form(markers: list[Marker], proposal: Proposal, formdata: Any = None) -> FlaskForm:
    """A form with a level and a justification for each of the fund's markers."""

    class MarkersForm(FlaskForm):
        pass

    ratings = {m.marker_id: m for m in proposal.markers}
    for marker in markers:
        rating = ratings.get(marker.id)
        choices = [BLANK, *options((str(lv["value"]), marker.level_label(lv["value"])) for lv in marker.levels)]
        setattr(MarkersForm, f"level_{marker.id}", SelectField(_l("Level"), choices=choices,
                default=str(rating.level) if rating and rating.level is not None else ""))  # fmt: skip
        setattr(MarkersForm, f"justification_{marker.id}", TextAreaField(
            _l("Justification"), [Length(max=20000)], default=rating.justification if rating else "",
            render_kw={"rows": 3}))  # fmt: skip
    form = MarkersForm(formdata=formdata)
    form.markers = markers
    return form


def marker_ratings(form: FlaskForm) -> dict[int, tuple[int | None, str]]:
    """The markers form's input: marker id -> (level or None, justification)."""
    ratings = {}
    for marker in form.markers:
        level = form[f"level_{marker.id}"].data or ""
        justification = form[f"justification_{marker.id}"].data or ""
        ratings[marker.id] = (int(level) if level.isdigit() else None, justification)
    return ratings


class PlainForm(FlaskForm):
    """A form with no fields of its own: a button that posts, protected against forgery."""


class StatementForm(FlaskForm):
    """The wording of an outcome or an output."""

    statement = TextAreaField(_l("Statement"), [DataRequired(), Length(max=2000)], render_kw={"rows": 3})


class IndicatorForm(FlaskForm):
    """An indicator with its unit, baseline, target, means of verification and disaggregation."""

    name = StringField(_l("Indicator"), [DataRequired(), Length(max=500)])
    unit = StringField(_l("Unit"), [Length(max=100)])
    baseline = NumberField(_l("Baseline"), kind=INDICATOR_VALUE)
    target = NumberField(_l("Target"), kind=INDICATOR_VALUE)
    means_of_verification = TextAreaField(_l("Means of verification"), [Length(max=2000)], render_kw={"rows": 2})
    disaggregation = CheckboxListField(_l("Data disaggregated by"), [Optional()])

    def __init__(self, fund: Fund, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.disaggregation.choices = options((d["code"], localize(d["name"])) for d in fund.disaggregations)

    def values(self) -> IndicatorValues:
        return IndicatorValues(
            name=self.name.data or "",
            unit=self.unit.data or "",
            baseline=self.baseline.data,
            target=self.target.data,
            means_of_verification=self.means_of_verification.data or "",
            disaggregation=list(self.disaggregation.data or []),
        )


class AttachmentForm(FlaskForm):
    """A file to attach, and what it is."""

    kind = SelectField(
        _l("Document"),
        [InputRequired()],
        choices=AttachmentKind.choices(),
    )
    file = FileField(_l("File (PDF, Word or Excel)"), render_kw={"accept": ".pdf,.docx,.xlsx"})


class ReasonForm(FlaskForm):
    """A reason given with an action (withdrawal, return for revision)."""

    reason = TextAreaField(_l("Reason"), [DataRequired(), Length(max=20000)], render_kw={"rows": 4})


SCREENING_CHOICES = [("yes", _l("Passed")), ("no", _l("Not passed")), ("", _l("Not decided yet"))]


def screening_form(screening: Screening, formdata: Any = None) -> FlaskForm:
    """The FMU's checklist: for each eligibility check, passed or not and a comment; reasons for a return."""

    class ScreeningForm(FlaskForm):
        reasons = TextAreaField(
            _l("Reasons for returning the proposal (the agencies read them)"),
            [Length(max=20000)],
            default=screening.reasons,
            render_kw={"rows": 4},
        )

    for item in screening.items:
        answer = {True: "yes", False: "no", None: ""}[item.passed]
        choices = options(SCREENING_CHOICES)
        setattr(ScreeningForm, f"passed_{item.check_id}", RadioField(item.check.label, choices=choices, default=answer))
        setattr(ScreeningForm, f"comment_{item.check_id}", TextAreaField(_l("Comment"), [Length(max=20000)],
                default=item.comment, render_kw={"rows": 2}))  # fmt: skip
    form = ScreeningForm(formdata=formdata)
    form.items = screening.items
    return form


def screening_answers(form: FlaskForm) -> dict[int, tuple[bool | None, str]]:
    """The checklist's input: eligibility check id -> (passed or not or undecided, comment)."""
    return {
        item.check_id: (
            {"yes": True, "no": False}.get(form[f"passed_{item.check_id}"].data or ""),
            form[f"comment_{item.check_id}"].data or "",
        )
        for item in form.items
    }


class InviteReviewerForm(FlaskForm):
    """The technical reviewer the FMU invites to comment on a proposal."""

    reviewer = SelectField(_l("Technical reviewer"), [DataRequired()])

    def __init__(self, reviewers: list[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reviewers = {str(user.id): user for user in reviewers}
        people = ((key, f"{user.name} ({user.organization.label})") for key, user in self.reviewers.items())
        self.reviewer.choices = [BLANK, *options(people)]


class ReviewCommentForm(FlaskForm):
    """A technical reviewer's comment on a proposal."""

    body = TextAreaField(_l("Comment"), [DataRequired(), Length(max=20000)], render_kw={"rows": 6})
