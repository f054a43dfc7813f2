"""Forms of results. Report and link forms are built per programme, one field per indicator."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from fundmgr.choices import options
from fundmgr.dates import DateField
from fundmgr.i18n import language_choices, localize
from fundmgr.numbers import INDICATOR_VALUE, number_text
from fundmgr.results.models import (
    REPORT_SECTIONS,
    AggregationRule,
    IndicatorStatus,
    Measure,
    Programme,
    ResultsFramework,
)

TEXT_MAX = 4000


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (usable by keyboard, no script)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def text_fields(label: str, *, area: bool = True, required: bool = True, max_length: int = TEXT_MAX) -> dict:
    """One field per language for a multilingual text, labelled "Name (English)" in the page's language."""
    field = TextAreaField if area else StringField
    checks = [DataRequired()] if required else [Optional()]
    checks.append(Length(max=max_length))
    return {
        lang: field(LazyString(lambda name=name: f"{label} ({name})"), checks, render_kw={"lang": lang})
        for lang, name in language_choices()
    }


def multilingual(base: type[FlaskForm], prefix: str, label: str, **options: Any) -> type[FlaskForm]:
    """A form class with prefix_en, prefix_fr, prefix_es fields added."""
    fields = {f"{prefix}_{lang}": field for lang, field in text_fields(label, **options).items()}
    return type(base.__name__, (base,), fields)


class _GoalForm(FlaskForm):
    """The fund's goal."""


GoalForm = multilingual(_GoalForm, "goal", _l("Goal"))


class _OutcomeForm(FlaskForm):
    """An outcome of the fund's framework."""

    area = SelectField(_l("Thematic area"), coerce=int, validators=[InputRequired()])


OutcomeForm = multilingual(_OutcomeForm, "statement", _l("Statement"))


class _OutputForm(FlaskForm):
    """An output of the fund's framework."""


OutputForm = multilingual(_OutputForm, "statement", _l("Statement"))


class _FundIndicatorForm(FlaskForm):
    """An indicator of the fund's framework."""

    parent = SelectField(_l("Measures"), validators=[DataRequired()])
    measure = SelectField(_l("Kind of value"), choices=Measure.choices())
    rule = SelectField(
        _l("Roll-up of programme values"),
        choices=AggregationRule.choices(),
    )
    baseline = StringField(_l("Baseline"), [Length(max=40)])
    target = StringField(_l("Target"), [Length(max=40)])
    disaggregation = MultiCheckboxField(_l("Disaggregated by"))


FundIndicatorForm = multilingual(
    multilingual(
        multilingual(_FundIndicatorForm, "name", _l("Name"), area=False, max_length=500),
        "unit",
        _l("Unit"),
        area=False,
        max_length=100,
    ),
    "mov",
    _l("Means of verification"),
    required=False,
    max_length=1000,
)


class PeriodForm(FlaskForm):
    """The dates of a reporting period."""

    start = DateField(_l("Start"), [InputRequired()])
    end = DateField(_l("End"), [InputRequired()])
    due = DateField(_l("Report due"), [InputRequired()])


class ProgrammeStartForm(FlaskForm):
    """The date a programme started, set by the FMU with its reason."""

    start = DateField(_l("Start date"), [InputRequired()])
    reason = TextAreaField(
        _l("Reason"),
        [DataRequired(), Length(max=2000)],
        description=_l("Why the programme started on this date rather than on its first transfer."),
    )


class OperationalClosureForm(FlaskForm):
    """The FMU closes a programme operationally: the activities ended on a date, the final report accepted."""

    closed_on = DateField(_l("Closure date"), [InputRequired()])
    activities_ended = BooleanField(_l("The programme's activities have ended"))


class ExtensionForm(FlaskForm):
    """The lead agency asks for a no-cost extension: the new end date and why."""

    new_end_date = DateField(_l("New end date"), [InputRequired()])
    reason = TextAreaField(_l("Reason"), [Length(max=TEXT_MAX)])


class ExtensionDecisionForm(FlaskForm):
    """The FMU's (or the Steering Committee's) decision on a requested extension."""

    decision = SelectField(
        _l("Decision"),
        choices=options(
            [
                ("approve", _l("Approve")),
                ("refuse", _l("Refuse")),
                ("forward", _l("Forward to the Steering Committee")),
            ]
        ),
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("Note"), [Length(max=TEXT_MAX)])


class ReviewForm(FlaskForm):
    """The FMU's review of a submitted report."""

    comment = TextAreaField(
        _l("Comments to the lead agency"), [Length(max=TEXT_MAX)], description=_l("Required when returning the report.")
    )


class EvidenceForm(FlaskForm):
    """A file backing a report."""

    file = FileField(_l("File (PDF, Word, Excel, PNG or JPEG)"), [DataRequired()])
    caption = StringField(_l("What it shows"), [Length(max=300)])


class AnnualReportForm(FlaskForm):
    """The year and language of the fund's annual results report."""

    class Meta:
        csrf = False  # a GET form that only chooses what to download

    year = SelectField(_l("Year"), coerce=int)
    lang = SelectField(_l("Language"), choices=options(language_choices()))


# --- Forms built for one programme -----------------------------------------------------------------


def status_choices() -> list[SelectChoice]:
    return options([("", _l("— choose —")), *[(s.value, s.title) for s in IndicatorStatus]])


def part_field_name(indicator_id: int, dimension: str, category: str) -> str:
    return f"part-{indicator_id}-{dimension}-{category}"


def report_form_class(programme: Programme, framework: ResultsFramework | None) -> type[FlaskForm]:
    """A progress report form: value, status and comment per indicator, its parts, a narrative per outcome."""
    fields: dict[str, Any] = {
        "lessons": TextAreaField(_l("Lessons learned"), [Length(max=TEXT_MAX)]),
        **{
            column: TextAreaField(title, [Length(max=TEXT_MAX)], description=help_text)
            for column, title, help_text in REPORT_SECTIONS
        },
    }
    for outcome in programme.outcomes:
        fields[f"narrative-{outcome.id}"] = TextAreaField(
            _l("Progress towards outcome %(n)d", n=outcome.position), [Length(max=TEXT_MAX)]
        )
    for indicator in programme.indicators:
        fields[f"actual-{indicator.id}"] = StringField(
            _l("Value reached (cumulative)"), [Length(max=40)], render_kw={"inputmode": "decimal"}
        )
        fields[f"status-{indicator.id}"] = SelectField(_l("Status"), choices=status_choices(), default="")
        fields[f"comment-{indicator.id}"] = TextAreaField(_l("Comment"), [Length(max=TEXT_MAX)], render_kw={"rows": 2})
        for dimension in indicator_dimensions(indicator, framework):
            for category in dimension["categories"]:
                fields[part_field_name(indicator.id, dimension["code"], category["code"])] = StringField(
                    localize(category["name"]), [Length(max=40)], render_kw={"inputmode": "decimal"}
                )
    return type("ReportForm", (FlaskForm,), fields)


def indicator_dimensions(indicator: Any, framework: ResultsFramework | None) -> list[dict[str, Any]]:
    """The framework's dimensions (with their categories) an indicator is disaggregated by."""
    if framework is None:
        return []
    return [d for d in (framework.dimension(code) for code in indicator.disaggregation) if d]


def fill_report_form(form: FlaskForm, report: Any) -> None:
    """Show a saved report's content in its form, numbers written the user's way."""
    form.lessons.data = report.lessons_learned
    for column, _title, _help in REPORT_SECTIONS:
        form[column].data = getattr(report, column)
    for narrative in report.narratives:
        if f"narrative-{narrative.outcome_id}" in form:
            form[f"narrative-{narrative.outcome_id}"].data = narrative.text
    for value in report.values:
        if f"actual-{value.indicator_id}" not in form:
            continue
        form[f"actual-{value.indicator_id}"].data = number_text(value.actual, INDICATOR_VALUE)
        form[f"status-{value.indicator_id}"].data = value.status.value if value.status else ""
        form[f"comment-{value.indicator_id}"].data = value.comment
        for dimension, parts in (value.breakdown or {}).items():
            for category, text in parts.items():
                name = part_field_name(value.indicator_id, dimension, category)
                if name in form:
                    form[name].data = number_text(text, INDICATOR_VALUE)


def links_form_class(programme: Programme, fund_indicators: list, objectives: list) -> type[FlaskForm]:
    """The FMU's links: per programme indicator a fund indicator, the fund's objectives and the kind of value."""
    indicator_choices = options([("", _l("— not linked —")), *[(str(i.id), i.label) for i in fund_indicators]])
    objective_choices = options((str(o.id), o.label) for o in objectives)
    fields: dict[str, Any] = {}
    for indicator in programme.indicators:
        fields[f"fund-{indicator.id}"] = SelectField(_l("Fund indicator"), choices=indicator_choices, default="")
        fields[f"objectives-{indicator.id}"] = MultiCheckboxField(
            programme.proposal.fund.objectives_label, choices=objective_choices
        )
        fields[f"measure-{indicator.id}"] = SelectField(
            _l("Kind of value"), choices=options((m.value, m.title) for m in Measure)
        )
    return type("LinksForm", (FlaskForm,), fields)
