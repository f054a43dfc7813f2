"""Forms of the publication pages: the year of an annual report, a decision's public summary in each language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from fundmgr.calls.forms import text_fields
from fundmgr.choices import options
from fundmgr.i18n import LANGUAGES
from fundmgr.opendata.operations import SUMMARY_LIMIT


class AnnualPublicationForm(FlaskForm):
    """Which year's annual results report to publish."""

    year = SelectField(_l("Year"), coerce=int)


def annual_publication_form(years: list[int]) -> AnnualPublicationForm:
    form = AnnualPublicationForm()
    form.year.choices = options((year, str(year)) for year in years)
    return form


def summary_form(summary: dict[str, str]) -> FlaskForm:
    """The decision's public summary, one field per language (the operation asks for English at least)."""
    fields = text_fields("summary", _l("Public summary"), limit=SUMMARY_LIMIT)
    form_class = type("DecisionSummaryForm", (FlaskForm,), fields)
    return form_class(data={f"summary_{language}": text for language, text in summary.items()})


def summary_of(form: FlaskForm) -> dict[str, str]:
    return {language: form[f"summary_{language}"].data or "" for language in LANGUAGES}
