"""Excel workbooks of the finance dashboards and of the ledger (the tables the pages show)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from fundmgr.db import db
from fundmgr.exports import Sheet, xlsx_bytes
from fundmgr.finance import queries as q
from fundmgr.finance.dashboard import Dashboard
from fundmgr.finance.models import LedgerEntry
from fundmgr.funds.models import Fund


def ratio(value: Decimal | None) -> float | None:
    """Shares are not money: a plain number (0.2534) that Excel shows in full."""
    return None if value is None else float(round(value, 4))


def share_sheet(title: str, first_column: str, rows: list[q.ShareRow], currency: str) -> Sheet:
    return Sheet(
        title,
        [first_column, _("Allocated (%(currency)s)", currency=currency), _("Share"), _("Target share")],
        [[row.label, row.amount, ratio(row.share), ratio(row.target)] for row in rows],
    )


def status_sheet(d: Dashboard) -> Sheet:
    balances = d.balances
    rows: list[list[Any]] = [[label, amount] for label, amount, _style in d.status]
    rows.append([_("Available, unearmarked"), balances.unearmarked_available])
    for code, amount in balances.available_by_area.items():
        rows.append([_("Available, earmarked to %(area)s", area=code), amount])
    rows += [[label, amount] for label, amount, _style in d.with_organizations]
    share = balances.share_with_organizations
    rows.append([_("Balance with %(organizations)s as a share of transfers", organizations=d.participants_label),
                 ratio(share)])  # fmt: skip
    if d.as_at is not None:
        rows.insert(0, [_("As at"), d.as_at])
    return Sheet(_("Funding status"), [_("Line"), _("Amount (%(currency)s)", currency=d.currency)], rows)


def organizations_sheet(d: Dashboard) -> Sheet:
    header = [
        _("Organization"),
        _("Transfers"),
        _("Refunds"),
        _("Expenditure"),
        _("Balance with the organization"),
        _("Delivery rate"),
    ]
    rows = [[m.label, m.transferred, m.refunded, m.expenditure, m.balance, ratio(m.rate)] for m in d.organizations]
    return Sheet(_("By organization, money"), header, rows)


def capitalization_sheet(d: Dashboard) -> Sheet:
    header = [
        _("Year"),
        _("Commitments signed"),
        _("Deposits received"),
        _("Interest"),
        _("Allocated"),
        _("Cumulative deposits"),
        _("Cumulative allocations"),
    ]
    rows = [
        [y.year, y.committed, y.deposited, y.interest, y.allocated, y.cumulative_deposited, y.cumulative_allocated]
        for y in d.years
    ]
    return Sheet(_("Capitalization"), header, rows)


def donors_sheet(d: Dashboard) -> Sheet:
    header = [_("Donor"), _("Committed"), _("Deposited"), _("Outstanding commitments")]
    rows = [[donor.label, donor.committed, donor.deposited, donor.outstanding] for donor in d.donors]
    return Sheet(_("Donors"), header, rows)


def dashboard_workbook(fund: Fund, d: Dashboard) -> bytes:
    """Funding status, money per organization, capitalization, donors and every allocation breakdown, one sheet each."""
    return xlsx_bytes(
        [
            status_sheet(d),
            organizations_sheet(d),
            capitalization_sheet(d),
            donors_sheet(d),
            share_sheet(_("By thematic area"), _("Thematic area"), d.by_area, fund.currency),
            share_sheet(_("By region"), _("Region"), d.by_region, fund.currency),
            share_sheet(_("By organization"), _("Organization"), d.by_organization, fund.currency),
            share_sheet(_("By marker"), d.gender.marker_name or _("Level"), d.gender.rows, fund.currency),
        ]
    )


def ledger_row(entry: LedgerEntry) -> list[Any]:
    return [
        entry.on_date,
        entry.kind.title,
        entry.amount,
        entry.area.code if entry.area else "",
        entry.proposal.reference if entry.proposal else "",
        entry.reference,
        entry.note,
    ]


def ledger_workbook(fund: Fund) -> bytes:
    """Every ledger entry of the fund, oldest first, with its kind, earmark and programme."""
    entries = db.session.scalars(
        sa.select(LedgerEntry)
        .where(LedgerEntry.fund_id == fund.id)
        .options(so.joinedload(LedgerEntry.area), so.joinedload(LedgerEntry.proposal))
        .order_by(LedgerEntry.on_date, LedgerEntry.id)
    )
    header = [_("Date"), _("Kind"), _("Amount"), _("Earmark"), _("Programme"), _("Reference"), _("Note")]
    return xlsx_bytes([Sheet(_("Ledger"), header, [ledger_row(entry) for entry in entries])])
