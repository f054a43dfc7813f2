"""The fund's direct costs: the Fund Management Unit's and secretariat's budget, charged to the fund once the
Steering Committee approves it (the entry names the decision)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from fundmgr.accounts.models import Role, User
from fundmgr.audit import record_audit
from fundmgr.errors import InsufficientFunds, ValidationFailed
from fundmgr.finance.models import EntryKind
from fundmgr.finance.operations.checks import add_entry, lock_fund, money
from fundmgr.finance.queries import money_available
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import require_role_or_system


def charge_direct_costs(fund: Fund, amount: Decimal, *, decision_id: int, reference: str, on_date: date,
                        actor: User | None) -> None:  # fmt: skip
    """Charge approved direct costs to the fund's unearmarked money, refused when it is not there (the fund locked
    first: two charges or an allocation at once cannot both spend the last dollars)."""
    require_role_or_system(actor, fund, Role.fmu, Role.admin, Role.sc_member)
    if amount <= 0:
        raise ValidationFailed([_("The approved amount is required and must be more than zero.")])
    lock_fund(fund)
    available = money_available(fund).unearmarked_available
    if available < amount:
        raise InsufficientFunds(_("The fund cannot cover %(amount)s: only %(available)s is available unearmarked.",
                                  amount=money(amount, fund), available=money(available, fund)))  # fmt: skip
    add_entry(fund, EntryKind.direct_costs, -amount, on_date, actor=actor, decision_id=decision_id,
              reference=reference)  # fmt: skip
    record_audit(
        "finance.direct_costs_charged",
        fund,
        actor=actor,
        fund_id=fund.id,
        after={"amount": str(amount), "reference": reference},
        summary=f"{reference}: {money(amount, fund)}",
    )
