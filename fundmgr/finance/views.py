"""Pages of the fund's money: dashboards, ledger, contributions, allocations and transfers, the pipeline's money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from fundmgr import clock
from fundmgr.accounts.models import Organization, OrganizationKind, Role, User
from fundmgr.db import db
from fundmgr.exports import download
from fundmgr.finance import operations as ops
from fundmgr.finance import queries as q
from fundmgr.finance.dashboard import dashboard
from fundmgr.finance.exports import dashboard_workbook, ledger_workbook
from fundmgr.finance.forms import (
    ContributionForm,
    CorrectionForm,
    ExpenditureForm,
    FinalStatementForm,
    FinancialClosureForm,
    InterestForm,
    MoneyMovementForm,
    currency_choices,
)
from fundmgr.finance.lists import CONTRIBUTIONS, LEDGER, PROGRAMME_MONEY
from fundmgr.finance.models import (
    Allocation,
    BudgetRevision,
    Contribution,
    ContributionKind,
    ExpenditureKind,
    FinalStatement,
    LedgerEntry,
    TopUp,
)
from fundmgr.finance.pdf import funding_status_pdf
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import active_areas, area_labels, current_fund
from fundmgr.funds.rights import FUND_MANAGERS, is_agency_staff, is_fmu
from fundmgr.i18n import alphabetical, requested_language
from fundmgr.lists import ListExport, Listing
from fundmgr.numbers import MONEY, NumberRefused, parse_number
from fundmgr.pdf import pdf_response
from fundmgr.proposals.models import FUNDED_STATES, Proposal
from fundmgr.proposals.visibility import visible_to
from fundmgr.storage import send_stored
from fundmgr.web import FundView, in_fund, refusals_shown_on

# Who reads the fund's dashboards; the books themselves are the FMU's (administrators read them).
DASHBOARD_ROLES = (Role.fmu, Role.admin, Role.sc_member, Role.viewer)


class FinanceView(FundView):
    """Base of the finance pages: they work on the current fund."""

    def load(self, **view_args: Any) -> None:
        fund = current_fund()
        if fund is None:
            abort(404)
        self.fund: Fund = fund

    def render(self, template: str, **context: Any) -> str:
        return render_template(f"finance/{template}", fund=self.fund, **context)


def acting_user() -> User:
    """The signed-in user, unwrapped from its proxy: operations take the real object."""
    return current_user._get_current_object()


def as_at_asked(fund: Fund) -> date | None:
    """The day the dashboard is shown as at (`?as_at=YYYY-MM-DD`); none, or a date not understood: today's figures."""
    text = request.args.get("as_at", "")
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        flash(
            _("The date %(text)s is not understood (YYYY-MM-DD): today's figures are shown.", text=text[:20]), "warning"
        )
        return None
    return day if day.year >= 1900 else None


class DashboardView(FinanceView):
    """The fund's money at a glance (as at a chosen date): balances, capitalization, allocations against the targets."""

    roles = DASHBOARD_ROLES

    def process(self):
        as_at = as_at_asked(self.fund)
        this_year = clock.today(self.fund).year
        return self.render(
            "dashboard.html",
            d=dashboard(self.fund, as_at),
            as_at=as_at,
            year_ends=[date(year, 12, 31) for year in range(this_year - 1, this_year - 6, -1)],
            areas=area_labels(self.fund),
        )


class DashboardPdfView(FinanceView):
    """The dashboard as a PDF (as at a chosen date), e.g. for a Steering Committee meeting pack; in the reader's
    language or ?lang=."""

    roles = DASHBOARD_ROLES

    def process(self):
        as_at = as_at_asked(self.fund)
        lang = requested_language()
        with force_locale(lang):
            data = funding_status_pdf(self.fund, dashboard(self.fund, as_at))
        day = as_at or clock.today(self.fund)
        return pdf_response(data, f"{self.fund.code}-funding-status-{day.isoformat()}.pdf")


class DashboardExportView(FinanceView):
    """The dashboard's tables as an Excel workbook (as at a chosen date)."""

    roles = DASHBOARD_ROLES

    def process(self):
        as_at = as_at_asked(self.fund)
        suffix = f"-{as_at.isoformat()}" if as_at else ""
        workbook = dashboard_workbook(self.fund, dashboard(self.fund, as_at))
        return download(workbook, f"{self.fund.code}-funding-status{suffix}.xlsx", "xlsx")


class LedgerView(FinanceView):
    """The Gateway-style funding status and every ledger entry it is summed from (the list component)."""

    roles = FUND_MANAGERS
    export_title = _l("Ledger")

    def listing(self) -> Listing:
        query = (
            sa.select(LedgerEntry)
            .where(LedgerEntry.fund_id == self.fund.id)
            .options(
                so.joinedload(LedgerEntry.area),
                so.joinedload(LedgerEntry.proposal),
                so.joinedload(LedgerEntry.contribution),
            )
        )
        return LEDGER.listing(query, self.fund)

    def export_name(self) -> str:
        return f"{self.fund.code}-ledger-entries"

    def process(self):
        listing = self.listing()
        return self.render(
            "ledger.html",
            balances=q.balances(self.fund),
            areas=area_labels(self.fund),
            listing=listing,
            total=listing.total("amount"),
        )


class LedgerEntriesExportView(ListExport, LedgerView):
    """The filtered, sorted ledger entries as CSV or Excel."""


class LedgerExportView(FinanceView):
    """Every ledger entry as an Excel workbook."""

    roles = FUND_MANAGERS

    def process(self):
        return download(ledger_workbook(self.fund), f"{self.fund.code}-ledger.xlsx", "xlsx")


class ContributionsView(FinanceView):
    """Donors' commitments and deposits, newest first, corrections shown beside what they correct."""

    roles = FUND_MANAGERS
    export_title = _l("Contributions")

    def listing(self) -> Listing:
        query = (
            sa.select(Contribution)
            .where(Contribution.fund_id == self.fund.id)
            .options(so.selectinload(Contribution.corrections))
        )
        return CONTRIBUTIONS.listing(query, self.fund)

    def export_name(self) -> str:
        return f"{self.fund.code}-contributions"

    def process(self):
        listing = self.listing()
        return self.render("contributions.html", listing=listing, total=listing.total("usd_amount"))


class ContributionsExportView(ListExport, ContributionsView):
    """The filtered, sorted contributions as CSV or Excel."""


class ContributionView(FinanceView):
    """One contribution: its ledger lines and its corrections."""

    roles = FUND_MANAGERS

    def load(self, contribution_id: int) -> None:
        super().load()
        self.contribution = load_contribution(self.fund, contribution_id)

    def process(self):
        chain = [self.contribution, *self.contribution.corrections]
        entries = db.session.scalars(
            sa.select(LedgerEntry)
            .where(LedgerEntry.contribution_id.in_([c.id for c in chain]))
            .order_by(LedgerEntry.id)
        )
        return self.render("contribution.html", contribution=self.contribution, entries=list(entries))


def load_contribution(fund: Fund, contribution_id: int) -> Contribution:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.fund_id != fund.id:
        abort(404)
    return contribution


class ContributionFormView(FinanceView):
    """Shared by recording and correcting a contribution: choices, and the form's values as ContributionData."""

    methods = ["GET", "POST"]
    roles = (Role.fmu,)

    def prepare(self, form: ContributionForm, recorded_currency: str | None = None) -> ContributionForm:
        donors = sorted(
            db.session.scalars(sa.select(Organization).where(Organization.kind == OrganizationKind.donor)),
            key=lambda donor: alphabetical(donor.label),  # "Government of …" would file them all under G
        )
        form.donor.choices = [SelectChoice(0, _("Choose the donor"))] + [
            SelectChoice(d.id, f"{d.label} – {d.full_name}") for d in donors
        ]
        form.currency.choices = currency_choices(keep=recorded_currency)
        form.area.choices = [SelectChoice(0, _("Unearmarked"))] + [
            SelectChoice(a.id, f"{a.number}. {a.label}") for a in active_areas(self.fund)
        ]
        return form

    def data_of(self, form: ContributionForm) -> ops.ContributionData:
        areas = {area.id: area for area in active_areas(self.fund)}
        return ops.ContributionData(
            donor=db.session.get(Organization, form.donor.data) if form.donor.data else None,
            kind=ContributionKind(form.kind.data),
            on_date=form.on_date.data,
            currency=form.currency.data,
            amount=form.amount.data,
            rate_to_usd=form.rate_to_usd.data,
            area=areas.get(form.area.data),
            reference=form.reference.data or "",
            note=form.note.data or "",
        )


class NewContributionView(ContributionFormView):
    """Record a donor's commitment or deposit (FMU)."""

    def process(self):
        # a new contribution is first offered in the fund's own currency (at a rate of 1)
        form = self.prepare(ContributionForm(currency=self.fund.currency))
        if form.validate_on_submit():
            with refusals_shown_on(form):
                contribution = ops.record_contribution(self.fund, self.data_of(form), actor=acting_user())
                flash(_("The contribution was recorded."), "success")
                return redirect(url_for("finance.contribution", contribution_id=contribution.id))
        return self.render("contribution_form.html", form=form)


class CorrectContributionView(ContributionFormView):
    """Correct a contribution by a reversal and a replacement, or cancel it (FMU)."""

    def load(self, contribution_id: int) -> None:
        super().load()
        self.contribution = load_contribution(self.fund, contribution_id)

    def can_access(self, user: User) -> bool:
        return self.contribution.can_correct(user)

    def process(self):
        original = self.contribution
        form = self.prepare(
            CorrectionForm(data=None if request.method == "POST" else prefill(original)), original.currency
        )
        if form.validate_on_submit():
            replacement = None if form.cancel.data else self.data_of(form)
            with refusals_shown_on(form):
                ops.correct_contribution(
                    original, replacement=replacement, reason=form.reason.data, actor=acting_user()
                )
                flash(_("The correction was recorded; the original entry stays in the history."), "success")
                return redirect(url_for("finance.contribution", contribution_id=original.id))
        return self.render("correct_form.html", form=form, contribution=original)


def prefill(contribution: Contribution) -> dict[str, Any]:
    """The correction form starts from the entry as recorded."""
    return {
        "kind": contribution.kind.value,
        "donor": contribution.donor_id,
        "on_date": contribution.on_date,
        "currency": contribution.currency,
        "amount": contribution.amount,
        "rate_to_usd": contribution.rate_to_usd,
        "area": contribution.area_id or 0,
        "reference": contribution.reference,
        "note": contribution.note,
    }


class NewInterestView(FinanceView):
    """Record interest or other income credited by the Administrative Agent (FMU)."""

    methods = ["GET", "POST"]
    roles = (Role.fmu,)

    def process(self):
        form = InterestForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.record_interest(
                    self.fund,
                    amount=form.amount.data,
                    on_date=form.on_date.data,
                    reference=form.reference.data,
                    note=form.note.data or "",
                    actor=acting_user(),
                )
                flash(_("The interest was recorded."), "success")
                return redirect(url_for("finance.ledger"))
        return self.render("interest_form.html", form=form)


# --- Programmes: allocations and transfers ------------------------------------------------------


def visible_programmes(fund: Fund, user: User) -> sa.Select:
    """Funded programmes of the fund the user may see (agencies: those they take part in)."""
    return sa.select(Proposal).where(visible_to(user, fund), Proposal.state.in_(FUNDED_STATES))


class ProgrammesView(FinanceView):
    """Funded programmes with what was allocated and transferred to each (the list component)."""

    export_title = _l("Allocations and transfers")

    def listing(self) -> Listing:
        query = visible_programmes(self.fund, current_user).options(
            so.joinedload(Proposal.lead_organization), so.joinedload(Proposal.primary_area)
        )
        return PROGRAMME_MONEY.listing(query, self.fund)

    def export_name(self) -> str:
        return f"{self.fund.code}-allocations-and-transfers"

    def export_table(self, listing: Listing) -> tuple[list[Any], list[list[Any]]]:
        return listing.table(q.programme_totals(listing.rows()))

    def process(self):
        listing = self.listing()
        page = listing.page
        rows = q.programme_totals(page.items)
        # agency staff see their own organization's expenditure only (on each programme's expenditure page)
        shows_delivery = not is_agency_staff(current_user, self.fund)
        spent = q.expenditure_by_programme(self.fund, [p.id for p in page.items]) if shows_delivery else {}
        delivery = {
            row.proposal.id: q.Delivery(row.proposal.reference, row.transferred, spent.get(row.proposal.id, q.ZERO))
            for row in rows
        }
        return self.render(
            "programmes.html",
            listing=listing,
            money={row.proposal.id: row for row in rows},
            delivery=delivery,
            shows_delivery=shows_delivery,
        )


class ProgrammesExportView(ListExport, ProgrammesView):
    """The filtered, sorted programmes' money as CSV or Excel."""


class ProgrammeView(FinanceView):
    """One programme's allocations per organization, its transfers, and (FMU) the forms to move money."""

    def load(self, proposal_id: int) -> None:
        super().load()
        self.proposal = load_programme(self.fund, proposal_id)

    def process(self):
        allocations = db.session.scalars(
            sa.select(Allocation)
            .where(Allocation.proposal_id == self.proposal.id)
            .options(so.selectinload(Allocation.transfers))
            .order_by(Allocation.id)
        ).all()
        money = q.allocation_money(allocations)
        knows = ops.may_know(current_user, self.proposal) and self.proposal.can_see_content(current_user)
        return self.render(
            "programme.html",
            proposal=self.proposal,
            money=money,
            total=q.programme_totals([self.proposal])[0],
            can_move_money=is_fmu(current_user, self.fund),
            can_close=is_fmu(current_user, self.fund),
            top_ups=ops.changes_of(TopUp, self.proposal) if knows else [],
            revisions=ops.changes_of(BudgetRevision, self.proposal) if knows else [],
            can_ask=ops.may_ask(current_user, self.proposal),
            knows_changes=knows,
            final_statements=final_statements_table(self.proposal),
            submits_statements=ops.may_submit_statements(current_user, self.proposal),
        )


def final_statements_table(proposal: Proposal) -> list[tuple[Organization, Any]]:
    """After the financial closure, each organization paid and its certified final statements (None: not yet)."""
    if proposal.financially_closed_on is None:
        return []
    received = ops.final_statements_of(proposal)
    return [(o, received.get(o.id)) for o in ops.owing_organizations(proposal)]


def load_programme(fund: Fund, proposal_id: int) -> Proposal:
    """A funded programme of the fund the user may see; anything else is 404 (they may not know it exists)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.fund_id != fund.id or proposal.state not in FUNDED_STATES:
        abort(404)
    if not proposal.can_view(current_user):
        abort(404)
    return proposal


def expenditure_seen_by(fund: Fund, user: User) -> sa.ColumnElement[bool]:
    """SQL on allocations: those whose expenditure the user sees: agency staff their own organization's, others all
    (of the programmes they may see)."""
    if is_agency_staff(user, fund):
        return Allocation.organization_id == user.organization_id
    return sa.true()


def expenditure_lines(fund: Fund, user: User, proposal: Proposal) -> list[Allocation]:
    """The allocations of a programme whose expenditure the user sees."""
    query = (
        sa.select(Allocation)
        .where(Allocation.proposal_id == proposal.id, expenditure_seen_by(fund, user))
        .order_by(Allocation.id)
    )
    return list(db.session.scalars(query))


class ExpenditureView(FinanceView):
    """A programme's expenditure by organization, budget category and year, with delivery rates."""

    def load(self, proposal_id: int) -> None:
        super().load()
        self.proposal = load_programme(self.fund, proposal_id)

    def process(self):
        allocations = expenditure_lines(self.fund, current_user, self.proposal)
        amounts = q.expenditure_table(allocations)
        years = sorted({year for (_a, year, _c, _k) in amounts})
        categories = [c for c in self.fund.budget_categories if not c.retired or any(k[2] == c.id for k in amounts)]
        return self.render(
            "expenditure.html",
            proposal=self.proposal,
            allocations=allocations,
            amounts=amounts,
            years=years,
            categories=categories,
            kinds=list(ExpenditureKind),
            delivery=q.delivery_by_organization(self.fund, allocations),
            total=q.programme_delivery(self.fund, self.proposal.reference, allocations),
            may_report={
                a.id
                for a in allocations
                if self.proposal.state in ops.REPORTING_STATES
                and not self.proposal.financially_closed_on
                and ops.may_report_expenditure(current_user, a)
            },
        )


class ReportExpenditureView(FinanceView):
    """The form where an organization (or the FMU) records or corrects a figure of its expenditure."""

    methods = ["GET", "POST"]

    def load(self, allocation_id: int) -> None:
        super().load()
        allocation = db.session.get(Allocation, allocation_id)
        if allocation is None or allocation.fund_id != self.fund.id:
            abort(404)
        load_programme(self.fund, allocation.proposal_id)
        self.allocation = allocation

    def can_access(self, user: User) -> bool:
        return ops.may_report_expenditure(user, self.allocation)

    def process(self):
        proposal = self.allocation.proposal
        form = ExpenditureForm()
        form.year.choices = [(year, str(year)) for year in reversed(ops.reporting_years(proposal, self.allocation))]
        active = [c for c in self.fund.budget_categories if not c.retired]
        form.category.choices = [(c.id, f"{c.number}. {c.label}") for c in active]
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.record_expenditure(
                    self.allocation,
                    year=form.year.data,
                    category=next(c for c in active if c.id == form.category.data),
                    kind=ExpenditureKind(form.kind.data),
                    amount=form.amount.data,
                    actor=acting_user(),
                )
                flash(_("The expenditure was recorded."), "success")
                return redirect(url_for("finance.expenditure", proposal_id=proposal.id))
        return self.render(
            "expenditure_form.html",
            form=form,
            allocation=self.allocation,
            delivery=q.delivery_by_organization(self.fund, [self.allocation])[0],
        )


class AllocationMoneyView(FinanceView):
    """Base of the forms that move an allocation's money (FMU): transfer, refund, release.

    Subclasses name the operation (all take allocation, amount, on_date, reference, actor) and their texts.
    """

    methods = ["GET", "POST"]
    roles = (Role.fmu,)
    operation: Any
    title: Any
    help_text: Any
    done_message: Any

    def load(self, allocation_id: int) -> None:
        super().load()
        allocation = db.session.get(Allocation, allocation_id)
        if allocation is None or allocation.fund_id != self.fund.id:
            abort(404)
        self.allocation = allocation

    def process(self):
        form = MoneyMovementForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                self.operation(
                    self.allocation,
                    amount=form.amount.data,
                    on_date=form.on_date.data,
                    reference=form.reference.data,
                    actor=acting_user(),
                )
                flash(str(self.done_message), "success")
                return redirect(url_for("finance.programme", proposal_id=self.allocation.proposal_id))
        return self.render(
            "money_form.html",
            form=form,
            allocation=self.allocation,
            money=q.allocation_money([self.allocation])[0],
            title=self.title,
            help_text=self.help_text,
        )


class NewTransferView(AllocationMoneyView):
    """Transfer a tranche of an allocation to its organization (FMU)."""

    operation = staticmethod(ops.record_transfer)
    title = _l("Transfer a tranche")
    help_text = _l("The programme becomes active at its first transfer. The transfers never exceed the allocation.")
    done_message = _l("The transfer was recorded.")


class NewRefundView(AllocationMoneyView):
    """Record money an organization returned (FMU); it becomes available again."""

    operation = staticmethod(ops.record_refund)
    title = _l("Record a refund")
    help_text = _l("Money the organization returns becomes available to the fund again.")
    done_message = _l("The refund was recorded.")


class ReleaseView(AllocationMoneyView):
    """Release the part of an allocation that will not be transferred (FMU)."""

    operation = staticmethod(ops.release_allocation)
    title = _l("Release part of the allocation")
    help_text = _l("Released money is no longer allocated to the programme and becomes available again.")
    done_message = _l("The release was recorded.")


class ClosureFormView(FinanceView):
    """Base of the FMU's forms on a funded programme's closure (the financial closure, the final statements)."""

    methods = ["GET", "POST"]
    roles = (Role.fmu,)

    def load(self, proposal_id: int) -> None:
        super().load()
        self.proposal = load_programme(self.fund, proposal_id)


class FinancialClosureView(ClosureFormView):
    """The FMU closes a programme financially: the unspent balances are refunded, the rest released."""

    def process(self):
        form = FinancialClosureForm()
        if request.method == "GET":
            form.closed_on.data = clock.today(self.fund)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.close_financially(
                    self.proposal, closed_on=form.closed_on.data, reference=form.reference.data, actor=acting_user()
                )
                flash(_("The programme is closed financially; the unspent balances are refunded."), "success")
                return redirect(url_for("finance.programme", proposal_id=self.proposal.id))
        allocations = expenditure_lines(self.fund, current_user, self.proposal)
        return self.render(
            "closure_form.html",
            form=form,
            proposal=self.proposal,
            delivery=q.delivery_by_organization(self.fund, allocations),
            outstanding=ops.financial_closure_outstanding(self.proposal),
        )


class FinalStatementsView(FinanceView):
    """Each organization paid on a programme submits its certified final financial statements after the financial
    closure (the PDF and the certified total), or the FMU records them on its behalf; the FMU sees which are in and
    which are due (by the fund's calendar; the organization is reminded until they are in). The organization's staff
    see and submit their own organization's."""

    methods = ["GET", "POST"]

    def load(self, proposal_id: int) -> None:
        super().load()
        self.proposal = load_programme(self.fund, proposal_id)

    def can_access(self, user: User) -> bool:
        return ops.may_submit_statements(user, self.proposal)

    def process(self):
        # before the financial closure the form is still there (the operation refuses it, saying why)
        received = ops.final_statements_of(self.proposal)
        rows = [(o, received.get(o.id), ops.certified_expenditure(self.proposal, o.id))
                for o in ops.statement_organizations(current_user, self.proposal)]  # fmt: skip
        fmu = is_fmu(current_user, self.fund)
        form = FinalStatementForm()
        form.organization.choices = [(o.id, o.label) for o, statement, _spent in rows if statement is None]
        if request.method == "GET":
            form.received_on.data = clock.today(self.fund)
        if not fmu:
            del form.received_on  # an organization's statements are received the day it submits them
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.record_final_statement(
                    self.proposal,
                    organization_id=form.organization.data,
                    received_on=form.received_on.data if fmu else None,
                    document=form.document.data or "",
                    certified_total=form.certified_total.data,
                    upload=form.file.data,
                    actor=acting_user(),
                )
                flash(_("The certified final financial statements are received."), "success")
                return redirect(url_for("finance.final_statements", proposal_id=self.proposal.id))
        closed_on = self.proposal.financially_closed_on
        due_on = self.fund.calendar.final_financial_due_on(closed_on) if closed_on else None
        return self.render(
            "final_statements.html",
            form=form,
            proposal=self.proposal,
            rows=rows,
            fmu=fmu,
            due_on=due_on,
            overdue=due_on is not None and clock.is_past(due_on, clock.today(self.fund)),
        )


class FinalStatementFileView(FinanceView):
    """The uploaded certified final financial statements of an organization: the FMU, the Steering Committee and the
    organization's own staff download them."""

    def load(self, statement_id: int) -> None:
        super().load()
        statement = in_fund(db.session.get(FinalStatement, statement_id), self.fund)
        if statement.storage_key is None or not statement.can_download(current_user):
            abort(404)
        self.statement = statement

    def process(self):
        s = self.statement
        assert s.storage_key is not None  # checked in load
        assert s.filename is not None  # stored with the key
        assert s.content_type is not None  # stored with the key
        return send_stored(s.storage_key, s.filename, s.content_type)


class PipelineMoneyView(FinanceView):
    """Which endorsed proposals the money could fund now, or after a deposit the FMU expects."""

    roles = DASHBOARD_ROLES

    def process(self):
        extra, problem = expected_deposit(request.args.get("extra", ""))
        proposals = q.endorsed_by_endorsement_date(self.fund)
        rows = q.fundable(self.fund, proposals, extra_unearmarked=extra)
        balances = q.balances(self.fund)
        return self.render(
            "pipeline.html",
            balances=balances,
            rows=list(zip(rows, left_after(balances.available + extra, rows), strict=True)),
            extra=extra,
            extra_text=request.args.get("extra", ""),
            problem=problem,
            needed=sum((row.gap for row in rows), Decimal("0.00")),
            areas=area_labels(self.fund),
        )


def left_after(available: Decimal, rows: list[q.Fundability]) -> list[Decimal]:
    """The money left once each proposal found fundable so far is funded."""
    left, result = available, []
    for row in rows:
        left -= row.gap if row.fundable else 0
        result.append(left)
    return result


def expected_deposit(text: str) -> tuple[Decimal, str | None]:
    """The what-if amount typed on the pipeline page (zero when empty or wrong, with the reason)."""
    if not text.strip():
        return Decimal("0.00"), None
    try:
        amount = parse_number(text, MONEY)
    except NumberRefused as exc:
        return Decimal("0.00"), str(exc)
    problems = ops.amount_problems(amount, _("The expected deposit"))
    return (Decimal("0.00"), problems[0]) if problems else (amount, None)
