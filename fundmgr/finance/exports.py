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


def status_sheet(fund: Fund) -> Sheet:
    balances = q.balances(fund)
    rows: list[list[Any]] = [[label, amount] for label, amount, _style in q.funding_status_rows(balances, fund)]
    rows.append([_("Available, unearmarked"), balances.unearmarked_available])
    for code, amount in balances.available_by_area.items():
        rows.append([_("Available, earmarked to %(area)s", area=code), amount])
    rows += [[label, amount] for label, amount, _style in q.organization_status_rows(balances, fund)]
    share = balances.share_with_organizations
    rows.append([_("Balance with %(organizations)s as a share of transfers", organizations=fund.participants_label),
                 ratio(share)])  # fmt: skip
    return Sheet(_("Funding status"), [_("Line"), _("Amount (%(currency)s)", currency=fund.currency)], rows)


def capitalization_sheet(fund: Fund) -> Sheet:
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
        for y in q.capitalization_by_year(fund)
    ]
    return Sheet(_("Capitalization"), header, rows)


def donors_sheet(fund: Fund) -> Sheet:
    header = [_("Donor"), _("Committed"), _("Deposited"), _("Outstanding commitments")]
    rows = [[d.label, d.committed, d.deposited, d.outstanding] for d in q.contributions_by_donor(fund)]
    return Sheet(_("Donors"), header, rows)


def dashboard_workbook(fund: Fund) -> bytes:
    """Funding status, capitalization, donors and every allocation breakdown, one sheet each."""
    gender = q.allocations_by_target_marker(fund)
    return xlsx_bytes(
        [
            status_sheet(fund),
            capitalization_sheet(fund),
            donors_sheet(fund),
            share_sheet(_("By thematic area"), _("Thematic area"), q.allocations_by_area(fund), fund.currency),
            share_sheet(_("By region"), _("Region"), q.allocations_by_region(fund), fund.currency),
            share_sheet(_("By organization"), _("Organization"), q.allocations_by_organization(fund), fund.currency),
            share_sheet(_("By marker"), gender.marker_name or _("Level"), gender.rows, fund.currency),
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
