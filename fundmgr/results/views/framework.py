"""The fund's results framework with its roll-ups, and its editing by the FMU."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr import clock
from fundmgr.choices import options
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.funds.models import ThematicArea
from fundmgr.funds.queries import active
from fundmgr.i18n import fill_texts, localize, texts_of
from fundmgr.numbers import INDICATOR_VALUE, number_text
from fundmgr.results import forms as rf
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results.models import AggregationRule, FundIndicator, FundOutcome, FundOutput, Measure, ResultsFramework
from fundmgr.results.views.base import ResultsView
from fundmgr.web import db_int, refusals_shown_on


class FrameworkBase(ResultsView):
    """Base of the framework's pages."""

    def load(self, **view_args: Any) -> None:
        super().load()
        self.framework = q.framework_for(self.fund)


class FrameworkView(FrameworkBase):
    """The fund's results framework with each indicator rolled up from accepted programme reports."""

    def process(self):
        day = clock.today(self.fund)
        return self.render(
            "framework.html",
            framework=self.framework,
            areas=q.area_rollups(self.fund, day, self.framework) if self.framework else [],
            today=day,
        )


class FrameworkEditBase(FrameworkBase):
    """Base of the FMU's framework forms: 404 when no framework is loaded, 403 for other roles."""

    methods = ["GET", "POST"]

    def load(self, **view_args: Any) -> None:
        super().load()
        if self.framework is None:
            abort(404)

    def can_access(self, user) -> bool:
        return self.framework.can_edit(user)

    def item(self, model: type, item_id: int | None) -> Any:
        """An item of this framework by id (None for a new one); 404 for another fund's or an unknown one."""
        if item_id is None:
            return None
        item = db.session.get(model, item_id) or abort(404)
        owner = item.outcome if isinstance(item, FundOutput) else item
        if owner.framework_id != self.framework.id:
            abort(404)
        return item

    def saved(self):
        flash(_("The results framework has been saved."), "success")
        return redirect(url_for("results.framework"))

    def form_page(self, form, title: str, **context: Any) -> str:
        return self.render("framework_form.html", form=form, title=title, **context)


class GoalEditView(FrameworkEditBase):
    """The FMU edits the fund's goal."""

    def process(self):
        form = rf.GoalForm()
        if request.method == "GET":
            fill_texts(form, "goal", self.framework.goal)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.update_goal(self.framework, texts_of(form, "goal"), actor=current_user)
                return self.saved()
        return self.form_page(form, _("The fund's goal"), prefixes=["goal"])


class OutcomeEditView(FrameworkEditBase):
    """The FMU adds an outcome or edits one."""

    def load(self, outcome_id: int | None = None, **view_args: Any) -> None:
        super().load()
        self.outcome = self.item(FundOutcome, outcome_id)

    def process(self):
        form = rf.OutcomeForm()
        areas = active(self.fund.thematic_areas)
        form.area.choices = options((a.id, f"{a.number}. {a.label}") for a in areas)
        if request.method == "GET" and self.outcome:
            form.area.data = self.outcome.area_id
            fill_texts(form, "statement", self.outcome.statement)
        if form.validate_on_submit():
            area = db.session.get(ThematicArea, form.area.data)
            statement = texts_of(form, "statement")
            with refusals_shown_on(form):
                ops.save_outcome(self.framework, self.outcome, area=area, statement=statement, actor=current_user)
                return self.saved()
        title = _("Outcome %(code)s", code=self.outcome.code) if self.outcome else _("New outcome")
        return self.form_page(form, title, fields=["area"], prefixes=["statement"])


class OutputEditView(FrameworkEditBase):
    """The FMU adds an output under an outcome or edits one."""

    def load(self, outcome_id: int | None = None, output_id: int | None = None, **view_args: Any) -> None:
        super().load()
        self.output = self.item(FundOutput, output_id)
        self.outcome = self.output.outcome if self.output else self.item(FundOutcome, outcome_id)

    def process(self):
        form = rf.OutputForm()
        if request.method == "GET" and self.output:
            fill_texts(form, "statement", self.output.statement)
        if form.validate_on_submit():
            statement = texts_of(form, "statement")
            with refusals_shown_on(form):
                ops.save_output(self.framework, self.outcome, self.output, statement=statement, actor=current_user)
                return self.saved()
        title = _("Output %(code)s", code=self.output.code) if self.output else _("New output")
        return self.form_page(form, title, prefixes=["statement"])


class FundIndicatorEditView(FrameworkEditBase):
    """The FMU adds an indicator to the framework or edits one."""

    def load(self, indicator_id: int | None = None, **view_args: Any) -> None:
        super().load()
        self.indicator = self.item(FundIndicator, indicator_id)

    def process(self):
        form = rf.FundIndicatorForm()
        form.parent.choices = options(parent_choices(self.framework))
        form.disaggregation.choices = options((d["code"], localize(d["name"])) for d in self.framework.dimensions)
        if request.method == "GET":
            self.fill(form)
        if form.validate_on_submit():
            spec = self.spec(form)
            with refusals_shown_on(form):
                ops.save_fund_indicator(self.framework, self.indicator, spec, actor=current_user)
                return self.saved()
        title = _("Indicator %(code)s", code=self.indicator.code) if self.indicator else _("New indicator")
        return self.render("indicator_form.html", form=form, title=title, indicator=self.indicator)

    def fill(self, form) -> None:
        indicator = self.indicator
        if indicator is None:
            outcome = request.args.get("outcome", type=db_int)
            form.parent.data = f"outcome-{outcome}" if outcome else ""
            return
        form.parent.data = f"output-{indicator.output_id}" if indicator.output_id else f"outcome-{indicator.outcome_id}"
        for prefix, texts in (
            ("name", indicator.name),
            ("unit", indicator.unit),
            ("mov", indicator.means_of_verification),
        ):
            fill_texts(form, prefix, texts)
        form.measure.data, form.rule.data = indicator.measure.value, indicator.rule.value
        form.baseline.data = number_text(indicator.baseline, INDICATOR_VALUE)
        form.target.data = number_text(indicator.target, INDICATOR_VALUE)
        form.disaggregation.data = list(indicator.disaggregation)

    def spec(self, form) -> ops.IndicatorSpec:
        kind, _sep, item_id = form.parent.data.partition("-")
        output = db.session.get(FundOutput, int(item_id)) if kind == "output" else None
        outcome = output.outcome if output else db.session.get(FundOutcome, int(item_id))
        return ops.IndicatorSpec(
            outcome=outcome,
            output=output,
            name=texts_of(form, "name"),
            unit=texts_of(form, "unit"),
            measure=Measure(form.measure.data),
            rule=AggregationRule(form.rule.data),
            baseline=form.baseline.data or "",
            target=form.target.data or "",
            means_of_verification=texts_of(form, "mov"),
            disaggregation=form.disaggregation.data or [],
        )


def parent_choices(framework: ResultsFramework) -> list[tuple[str, str]]:
    """Where an indicator can sit: an outcome (outcome indicator) or one of its outputs."""
    choices = []
    for outcome in framework.outcomes:
        if outcome.retired:
            continue
        choices.append((f"outcome-{outcome.id}", f"{outcome.code} {outcome.label}"))
        choices += [(f"output-{o.id}", f"— {o.code} {o.label}") for o in outcome.outputs if not o.retired]
    return choices


class FundIndicatorRetireView(FrameworkEditBase):
    """The FMU retires a fund indicator (or brings it back)."""

    methods = ["POST"]

    def load(self, indicator_id: int, **view_args: Any) -> None:
        super().load()
        self.indicator = self.item(FundIndicator, indicator_id)

    def process(self):
        retire = request.form.get("retired") == "1"
        question = _("Retire indicator %(code)s?", code=self.indicator.code)
        consequence = _("Programmes can no longer choose it; you can restore it from the results framework.")
        if retire and (page := unconfirmed(question, consequence, back=url_for("results.framework"))):
            return page
        ops.set_indicator_retired(self.indicator, retire, actor=current_user)
        flash(
            _("Indicator %(code)s retired.", code=self.indicator.code) if retire else _("Indicator restored."),
            "success",
        )
        return redirect(url_for("results.framework"))
