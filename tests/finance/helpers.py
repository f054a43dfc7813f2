"""Helpers shared by the finance tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fundmgr.finance.models import ContributionKind
from fundmgr.finance.operations import ContributionData
from fundmgr.funds.models import Fund
from tests.factories import organization

D = Decimal


def contribution_data(fund: Fund, amount: str = "1000000.00", *, currency: str = "EUR", rate: str = "1.1215",
                      kind: ContributionKind = ContributionKind.deposit, area: str | None = None,
                      donor: str = "GOV-DEU", on_date: date = date(2021, 3, 1),
                      reference: str = "SAA-2021-DEU-01") -> ContributionData:  # fmt: skip
    """What the FMU would type for a contribution; by default EUR 1,000,000 from Germany at 1.1215."""
    return ContributionData(
        donor=organization(donor),
        kind=kind,
        on_date=on_date,
        currency=currency,
        amount=D(amount),
        rate_to_usd=D(rate),
        area=next((a for a in fund.thematic_areas if a.code == area), None),
        reference=reference,
    )
