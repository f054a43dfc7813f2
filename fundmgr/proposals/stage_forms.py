"""Forms of the two stages: a concept note's own content, a programme document's sections, the FMU's invitation.
They read the input's shape (codes, lines, numbers); the operations check the rules."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from fundmgr.dates import DateField
from fundmgr.funds import queries as fq
from fundmgr.numbers import MONEY, NumberField
from fundmgr.proposals.forms import BLANK
from fundmgr.proposals.models import PartnerKind, Proposal, RiskLevel
from fundmgr.proposals.operations import ConceptContent, PartnerEntry, ProgrammeSections, RiskEntry
from fundmgr.proposals.sdg import parse_targets

BLANK_ROWS = 3  # empty rows offered after the filled ones
MAX_LINES = 50


class PartnerRow(Form):
    name = StringField(_l("Partner"), [Length(max=300)])
    kind = SelectField(_l("Kind"), choices=[BLANK, *PartnerKind.choices()], validators=[Optional()])
    role = StringField(_l("Role"), [Length(max=2000)])


class RiskRow(Form):
    risk = StringField(_l("Risk"), [Length(max=2000)])
    likelihood = SelectField(_l("Likelihood"), choices=[BLANK, *RiskLevel.choices()], validators=[Optional()])
    impact = SelectField(_l("Impact"), choices=[BLANK, *RiskLevel.choices()], validators=[Optional()])
    mitigation = StringField(_l("Mitigation"), [Length(max=2000)])
    owner = StringField(_l("Owner"), [Length(max=300)])


def lines_of(text: str | None) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise ValidationError(_("At most %(n)d lines.", n=MAX_LINES))
    return lines


def concept_form(proposal: Proposal, formdata: Any = None) -> FlaskForm:
    """The concept note's case, geography, partners, SDG targets and each organization's indicative amount."""

    class ConceptForm(FlaskForm):
        problem_statement = TextAreaField(_l("The problem, in brief"), [Length(max=20000)], render_kw={"rows": 4})
        theory_of_change = TextAreaField(_l("Theory of change, in brief"), [Length(max=20000)], render_kw={"rows": 4})
        global_scope = BooleanField(_l("Global programme (no country in particular)"))
        corridors = TextAreaField(
            _l("Migration corridors"), [Length(max=5000)], render_kw={"rows": 3},
            description=_l("One corridor a line: the countries' ISO codes from origin through transit to "
                           "destination, e.g. ETH > YEM > SAU."),
        )  # fmt: skip
        partners = FieldList(FormField(PartnerRow), min_entries=1, max_entries=MAX_LINES)
        sdg_targets = StringField(_l("SDG targets"), [Length(max=2000)],
                                  description=_l("The target codes, e.g. 10.7, 8.8, 17.18."))  # fmt: skip
        cooperation_framework = TextAreaField(_l("Alignment with the Cooperation Framework"), [Length(max=20000)],
                                              render_kw={"rows": 3})  # fmt: skip
        knowledge_platform = TextAreaField(
            _l("Use of the Network’s knowledge platform and connection hub"), [Length(max=20000)],
            render_kw={"rows": 3},
        )  # fmt: skip
        rc_endorsement = BooleanField(_l("The Resident Coordinator endorses the concept note"))

        def validate_corridors(self, field: Any) -> None:
            self.corridor_countries = []
            by_iso3 = {c.iso3: c for c in fq.countries()}
            for line in lines_of(field.data):
                codes = [c.strip().upper() for c in re.split(r"[>→,;\s]+", line) if c.strip()]
                unknown = [c[:10] for c in codes if c not in by_iso3]
                if unknown:
                    raise ValidationError(_("Unknown country codes: %(codes)s.", codes=", ".join(unknown[:10])))
                self.corridor_countries.append([by_iso3[c] for c in codes])

        def validate_sdg_targets(self, field: Any) -> None:
            self.sdg_codes, unknown = parse_targets(field.data or "")
            if unknown:
                raise ValidationError(_("These are not SDG targets: %(codes)s.", codes=", ".join(unknown[:10])))

    # The Migration MPTF's own questions, asked only by a fund whose definition turns them on (`concept_note:`).
    if not proposal.fund.asks_corridors:
        del ConceptForm.corridors
    if not proposal.fund.asks_knowledge_platform:
        del ConceptForm.knowledge_platform
    for participant in proposal.participants:
        setattr(ConceptForm, f"amount_{participant.organization_id}",
                NumberField(participant.organization.label, kind=MONEY))  # fmt: skip
    form = ConceptForm(formdata=formdata, data=None if formdata else concept_data(proposal))
    form.participants = proposal.participants
    form.corridor_countries = []  # validate_corridors reads them where the fund asks them
    return form


def concept_data(proposal: Proposal) -> dict[str, Any]:
    partners = [{"name": p.name, "kind": p.kind.value, "role": p.role} for p in proposal.national_partners]
    return {
        "problem_statement": proposal.problem_statement, "theory_of_change": proposal.theory_of_change,
        "global_scope": proposal.global_scope, "cooperation_framework": proposal.cooperation_framework,
        "knowledge_platform": proposal.knowledge_platform, "rc_endorsement": proposal.rc_endorsement,
        "corridors": "\n".join(" > ".join(c.iso3 for c in corridor.countries) for corridor in proposal.corridors),
        "sdg_targets": ", ".join(proposal.sdg_targets),
        "partners": partners + [{}] * BLANK_ROWS,
        **{f"amount_{p.organization_id}": p.indicative_amount for p in proposal.participants},
    }  # fmt: skip


def concept_content(form: Any) -> ConceptContent:
    """The concept form's input for the operation; rows left blank are dropped."""
    partners = [
        PartnerEntry(row.form.name.data or "", PartnerKind(row.form.kind.data) if row.form.kind.data else None,
                     row.form.role.data or "")
        for row in form.partners
        if (row.form.name.data or "").strip() or (row.form.role.data or "").strip()
    ]  # fmt: skip
    return ConceptContent(
        problem_statement=form.problem_statement.data or "", theory_of_change=form.theory_of_change.data or "",
        cooperation_framework=form.cooperation_framework.data or "",
        knowledge_platform=(form.knowledge_platform.data or "") if "knowledge_platform" in form else "",
        rc_endorsement=bool(form.rc_endorsement.data),
        global_scope=bool(form.global_scope.data), sdg_targets=form.sdg_codes, corridors=form.corridor_countries,
        partners=partners,
        amounts={p.organization_id: form[f"amount_{p.organization_id}"].data for p in form.participants},
    )  # fmt: skip


class SectionsForm(FlaskForm):
    """A programme document's workplan by year, risk log, M&E plan and sustainability and exit strategy."""

    workplan = TextAreaField(
        _l("Workplan"), [Length(max=50000)], render_kw={"rows": 6},
        description=_l("One activity a line, after its programme year: “1: Train border officials”."),
    )  # fmt: skip
    risks = FieldList(FormField(RiskRow), min_entries=1, max_entries=MAX_LINES)
    me_plan = TextAreaField(_l("Monitoring and evaluation plan"), [Length(max=20000)], render_kw={"rows": 5})
    sustainability = TextAreaField(_l("Sustainability and exit strategy"), [Length(max=20000)],
                                   render_kw={"rows": 5})  # fmt: skip

    def validate_workplan(self, field: Any) -> None:
        self.activities = []
        for line in lines_of(field.data):
            match = re.match(r"^(\d{1,2})\s*[:.)-]\s*(.+)$", line)
            if match is None:
                raise ValidationError(_("Start each line with its programme year: “1: Train border officials”."))
            self.activities.append((int(match.group(1)), match.group(2)))

    @classmethod
    def of(cls, proposal: Proposal) -> SectionsForm:
        risks = [{"risk": r.risk, "likelihood": r.likelihood.value, "impact": r.impact.value,
                  "mitigation": r.mitigation, "owner": r.owner} for r in proposal.risks]  # fmt: skip
        return cls(data={
            "workplan": "\n".join(f"{w.year}: {w.activity}" for w in proposal.workplan),
            "risks": risks + [{}] * BLANK_ROWS, "me_plan": proposal.me_plan,
            "sustainability": proposal.sustainability,
        })  # fmt: skip

    def sections(self) -> ProgrammeSections:
        risks = [
            RiskEntry(row.form.risk.data or "", RiskLevel(row.form.likelihood.data) if row.form.likelihood.data
                      else None, RiskLevel(row.form.impact.data) if row.form.impact.data else None,
                      row.form.mitigation.data or "", row.form.owner.data or "")
            for row in self.risks
            if any((row.form[name].data or "").strip() for name in ("risk", "mitigation", "owner"))
        ]  # fmt: skip
        return ProgrammeSections(me_plan=self.me_plan.data or "", sustainability=self.sustainability.data or "",
                                 workplan=self.activities, risks=risks)  # fmt: skip


class InviteForm(FlaskForm):
    """The FMU's invitation to a pipeline concept note to develop its programme document."""

    deadline = DateField(_l("Programme document due by"), [InputRequired()])
    amount = NumberField(_l("Indicative amount"), kind=MONEY, required=True)
