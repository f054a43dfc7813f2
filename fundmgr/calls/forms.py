"""Forms of the call pages. They check the shape of the input; the operations check the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from fundmgr.calls.models import Call
from fundmgr.calls.operations import MAX_TITLE, CallDetails
from fundmgr.choices import options
from fundmgr.dates import DateField
from fundmgr.funds import queries as fq
from fundmgr.funds.models import Fund
from fundmgr.i18n import LANGUAGES, fill_texts, texts_of
from fundmgr.numbers import MONEY, NumberField
from fundmgr.proposals.operations.rights import MAX_TEXT

# A call's dates lie within these years (a typo such as 0202 or 20199 is refused).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def within_years(form: Any, field: Any) -> None:
    if isinstance(field.data, date) and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def text_fields(prefix: str, label: Any, *, limit: int, required: bool = False, area: bool = True) -> dict[str, Any]:
    """One field per language for a text given in every language."""
    kind = TextAreaField if area else StringField
    fields = {}
    for language in LANGUAGES:
        checks = [DataRequired() if required else Optional(), Length(max=limit)]
        fields[f"{prefix}_{language}"] = kind(
            _l("%(what)s (%(language)s)", what=label, language=language), checks, render_kw={"lang": language}
        )
    return fields


class CallForm(FlaskForm):
    """The terms of a call: texts in every language, window, ceiling, and what it targets."""

    opens_on = DateField(_l("Opens on"), [InputRequired(), within_years])
    closes_on = DateField(_l("Closes on (leave empty for a rolling call)"), [Optional(), within_years])
    ceiling = NumberField(_l("Ceiling per joint programme"), kind=MONEY, required=True)
    areas = CheckboxListField(_l("Thematic areas targeted"), [Optional()], coerce=int)
    regions = SelectMultipleField(_l("Regions targeted (none: every region)"), [Optional()],
                                  render_kw={"size": 8})  # fmt: skip
    objectives = CheckboxListField(_l("Priorities: objectives targeted"), [Optional()], coerce=int)

    def validate_closes_on(self, field: Any) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_("The call cannot close before it opens."))


for _name, _field in {
    **text_fields("title", _l("Title"), limit=MAX_TITLE, required=True, area=False),
    **text_fields("description", _l("Description"), limit=MAX_TEXT),
    **text_fields("eligibility", _l("Eligibility rules"), limit=MAX_TEXT),
    **text_fields("documents", _l("Documents required"), limit=MAX_TEXT),
}.items():
    setattr(CallForm, _name, _field)


def call_form(fund: Fund, call: Call | None = None) -> CallForm:
    """The form with the fund's choices, filled from the call on a first showing."""
    form = CallForm(obj=None)
    form.areas.choices = options((a.id, a.label) for a in fq.active_areas(fund))
    form.regions.choices = options((r.code, r.label) for r in fq.regions())
    form.objectives.choices = options((o.id, f"{o.number}. {o.label}") for o in fq.active(fund.objectives))
    if call is not None and not form.is_submitted():
        for prefix in ("title", "description", "eligibility", "documents"):
            fill_texts(form, prefix, getattr(call, prefix))
        form.opens_on.data, form.closes_on.data, form.ceiling.data = call.opens_on, call.closes_on, call.ceiling
        form.areas.data = [a.id for a in call.areas]
        form.regions.data = [r.code for r in call.regions]
        form.objectives.data = [o.id for o in call.objectives]
    return form


def details_of(form: CallForm) -> CallDetails:
    return CallDetails(
        title=texts_of(form, "title"),
        description=texts_of(form, "description"),
        eligibility=texts_of(form, "eligibility"),
        documents=texts_of(form, "documents"),
        opens_on=form.opens_on.data,
        closes_on=form.closes_on.data,
        ceiling=form.ceiling.data,
        area_ids=list(form.areas.data or []),
        region_codes=list(form.regions.data or []),
        objective_ids=list(form.objectives.data or []),
    )


class ChooseCallForm(FlaskForm):
    """The call a proposal answers."""

    call = SelectField(_l("Call for proposals"), [Optional()])


class PlainForm(FlaskForm):
    """A button: its CSRF token only."""


def choose_call_form(calls: list[Call], current: int | None) -> ChooseCallForm:
    form = ChooseCallForm()
    form.call.choices = options([("", _l("No call")), *((str(c.id), c.display_name) for c in calls)])
    if not form.is_submitted():
        form.call.data = str(current) if current else ""
    return form


def chosen_call_id(form: ChooseCallForm) -> int | None:
    value = form.call.data or ""
    return int(value) if value.isascii() and value.isdigit() else None
