"""Money: contributions, allocations, transfers, releases, and the ledger they write."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from bench.dataset.context import CURRENCIES, USD_RATES, ZERO, S, moment, month_start_after
from bench.dataset.plans import DecisionPlan, ProposalPlan
from fundmgr.db import to_cents
from fundmgr.finance.models import ContributionKind, EntryKind
from fundmgr.finance.operations import Share, scale_to
from fundmgr.results import operations as results_ops

if TYPE_CHECKING:  # the generator imports this module
    from bench.dataset.generator import Generator


@dataclass
class Allocated:
    """One funded programme's allocations and what happened to them."""

    plan: ProposalPlan
    decision: DecisionPlan
    rows: list[dict[str, Any]]
    area_parts: dict[int, dict[int | None, Decimal]]  # allocation id -> area id (None: unearmarked) -> drawn


class MoneyPlan:
    """Collects the fund's money movements, then writes contributions and the ledger in date order.

    Allocations draw on the area's earmark, then on unearmarked money; deposits are added (from
    donors' yearly agreements) whenever the money available would not cover the month's decisions,
    so no balance ever goes below zero.
    """

    def __init__(self, generator: Generator) -> None:
        self.g = generator
        self.w = generator.w
        self.rng = generator.rng
        self.events: list[tuple[date, int, str, Any]] = []  # (day, order, kind, data)
        self.allocated: list[Allocated] = []
        self.pending: list[DecisionPlan] = []

    def allocate(self, decision: DecisionPlan) -> None:
        self.pending.append(decision)

    def write(self) -> None:
        """Walk the months in order: top up, allocate, transfer, release; then write everything."""
        w, out = self.w, self.g.out
        by_month: dict[tuple[int, int], list[DecisionPlan]] = defaultdict(list)
        for decision in self.pending:
            by_month[(decision.on.year, decision.on.month)].append(decision)
        unearmarked = ZERO
        earmarks: dict[int, Decimal] = defaultdict(lambda: ZERO)
        ledger: list[dict[str, Any]] = []
        agreements: dict[tuple[int, int], dict[str, Any]] = {}
        month = date(w.first_year, 1, 1)
        while month <= w.today:
            decisions = sorted(by_month.get((month.year, month.month), []), key=lambda d: (d.on, d.id))
            need = sum((d.amount for d in decisions), ZERO)
            # what the month's decisions need (with a margin) unearmarked, and a base that may be earmarked
            shortfall = need * Decimal("1.1") - unearmarked
            base = (Decimal(15_000_000) * Decimal(str(self.g.size.scale)) / 6).quantize(Decimal(1000))
            if shortfall > 0 or month.month in (1, 7):
                # the money must be there on the day of the month's first decision, not later in the month
                by = decisions[0].on if decisions else None
                for net, area in self.split_deposit(max(shortfall, ZERO), base):
                    deposit = self.deposit(month, net, area, agreements, ledger, by=by)
                    if area is None:
                        unearmarked += deposit
                    else:
                        earmarks[area] += deposit
            for decision in decisions:
                area = decision.proposal.area["id"]
                from_earmark = min(earmarks[area], decision.amount)
                earmarks[area] -= from_earmark
                unearmarked -= decision.amount - from_earmark
                self.allocation_rows(decision, from_earmark, ledger)
            if month.month == 12 and date(month.year, 12, 31) <= w.today:
                interest = to_cents((unearmarked + sum(earmarks.values(), ZERO)) * Decimal("0.004"))
                if interest > 0:
                    ledger.append(
                        self.entry(
                            date(month.year, 12, 31),
                            EntryKind.interest,
                            interest,
                            reference=f"INT-{month.year}",
                            note="Interest earned on the fund's balance",
                        )
                    )
                    unearmarked += interest
            if unearmarked < 0 or any(v < 0 for v in earmarks.values()):
                raise AssertionError(f"a balance went below zero in {month:%Y-%m}")
            month = month_start_after(month)
        self.write_agreements(agreements)
        for entry in sorted(ledger, key=lambda e: (e["on_date"], e["id"])):
            out.add("ledger_entries", entry)
        self.g.counts["ledger_entries"] = len(ledger)
        self.g.counts["deposits_usd"] = int(sum((e["amount"] for e in ledger if e["kind"] is EntryKind.deposit), ZERO))

    def split_deposit(self, needed: Decimal, base: Decimal) -> list[tuple[Decimal, int | None]]:
        """Net amounts to deposit: what is needed (unearmarked, rounded up), and a base now and then earmarked."""
        result = []
        if needed > 0:
            result.append(((needed + 500).quantize(Decimal(1000), rounding=ROUND_HALF_UP), None))
        parts = self.rng.randint(1, 2)
        for _ in range(parts):
            area = self.rng.choice(self.w.areas)["id"] if self.rng.random() < 0.4 else None
            result.append(((base / parts).quantize(Decimal(1000)), area))
        return result

    def deposit(
        self, month: date, net_usd: Decimal, area: int | None, agreements: dict, ledger: list, *, by: date | None
    ) -> Decimal:
        """A donor's deposit under its agreement of the year, received by the day `by` when one is given; returns what
        becomes available (net of the fee)."""
        rng, w, out = self.rng, self.w, self.g.out
        donor_id, donor_code = rng.choice(w.donors)
        currency = CURRENCIES.get(donor_code, "USD")
        rate = (
            Decimal(1)
            if currency == "USD"
            else (USD_RATES[currency] * Decimal(str(rng.uniform(0.94, 1.06)))).quantize(Decimal("0.000001"))
        )
        gross_usd = to_cents(net_usd / (1 - w.fee_rate))
        amount = to_cents(gross_usd / rate)
        usd = to_cents(amount * rate)
        day = month + timedelta(days=rng.randint(2, 11))
        if by is not None:
            day = min(day, by)
        key = (donor_id, month.year, area or 0)
        number = sum(1 for k in agreements if k[:2] == key[:2]) + 1
        agreement = agreements.setdefault(
            key,
            {
                "reference": f"SAA-{month.year}-{donor_code[4:]}-{number:02d}",
                "donor_id": donor_id,
                "currency": currency,
                "rate": rate,
                "area": area,
                "amount": ZERO,
                "year": month.year,
                "first": day,
            },
        )
        agreement["amount"] += amount
        agreement["first"] = min(agreement["first"], day)
        contribution_id = out.next_id("contributions")
        out.add(
            "contributions",
            {
                "id": contribution_id,
                "fund_id": w.fund.id,
                "donor_id": donor_id,
                "kind": ContributionKind.deposit,
                "on_date": day,
                "currency": currency,
                "amount": amount,
                "rate_to_usd": rate,
                "usd_amount": usd,
                "area_id": area,
                "reference": agreement["reference"],
                "note": "",
                "corrects_id": None,
                "created_by_id": rng.choice(w.fmus),
                "created_at": moment(rng, day),
            },
        )
        fee = to_cents(usd * w.fee_rate)
        links = {"contribution_id": contribution_id, "area_id": area, "reference": agreement["reference"]}
        ledger.append(self.entry(day, EntryKind.deposit, usd, **links))
        ledger.append(self.entry(day, EntryKind.aa_fee, -fee, **links))
        self.g.counts["contributions"] += 1
        return usd - fee

    def write_agreements(self, agreements: dict) -> None:
        """Each agreement's commitment, signed before its first deposit; recent ones not yet fully paid."""
        rng, w, out = self.rng, self.w, self.g.out
        for agreement in agreements.values():
            committed = agreement["amount"]
            if agreement["year"] >= w.today.year - 1:
                committed = to_cents(committed * Decimal("1.25"))
            day = max(date(agreement["year"], 1, 1), agreement["first"] - timedelta(days=rng.randint(1, 20)))
            out.add(
                "contributions",
                {
                    "id": out.next_id("contributions"),
                    "fund_id": w.fund.id,
                    "donor_id": agreement["donor_id"],
                    "kind": ContributionKind.commitment,
                    "on_date": day,
                    "currency": agreement["currency"],
                    "amount": committed,
                    "rate_to_usd": agreement["rate"],
                    "usd_amount": to_cents(committed * agreement["rate"]),
                    "area_id": agreement["area"],
                    "reference": agreement["reference"],
                    "note": "",
                    "corrects_id": None,
                    "created_by_id": rng.choice(w.fmus),
                    "created_at": moment(rng, day),
                },
            )
            self.g.counts["contributions"] += 1

    def entry(self, day: date, kind: EntryKind, amount: Decimal, **links: Any) -> dict[str, Any]:
        return {
            "id": self.g.out.next_id("ledger_entries"),
            "fund_id": self.w.fund.id,
            "on_date": day,
            "kind": kind,
            "amount": amount,
            "area_id": links.get("area_id"),
            "contribution_id": links.get("contribution_id"),
            "allocation_id": links.get("allocation_id"),
            "transfer_id": links.get("transfer_id"),
            "proposal_id": links.get("proposal_id"),
            "reference": links.get("reference", ""),
            "note": links.get("note", ""),
            "created_by_id": self.rng.choice(self.w.fmus),
            "created_at": moment(self.rng, day),
        }

    def allocation_rows(self, decision: DecisionPlan, from_earmark: Decimal, ledger: list) -> None:
        """Allocations per organization (scaled as finance does), their transfers, and for some closed
        programmes a release."""
        rng, out, w = self.rng, self.g.out, self.w
        plan, version = decision.proposal, decision.version
        area = plan.area["id"]
        shares = [Share(p.organization_id, p.direct, p.indirect) for p in version.snapshot.participants if p.total > 0]
        first_transfer = plan.first_transfer
        closed = plan.state is S.closed
        release = closed and rng.random() < 0.12
        for share in scale_to(shares, decision.amount):
            allocation_id = out.next_id("allocations")
            out.add(
                "allocations",
                {
                    "id": allocation_id,
                    "fund_id": w.fund.id,
                    "proposal_id": plan.id,
                    "version_id": version.id,
                    "organization_id": share.organization_id,
                    "direct": share.direct,
                    "indirect": share.indirect,
                    "total": share.total,
                    "decided_on": decision.on,
                    "reference": decision.reference,
                    "created_by_id": None,
                    "created_at": moment(rng, decision.on),
                },
            )
            earmarked = min(from_earmark, share.total)
            from_earmark -= earmarked
            links = {"allocation_id": allocation_id, "proposal_id": plan.id, "reference": decision.reference}
            drawn: dict[int | None, Decimal] = {}
            if earmarked:
                ledger.append(self.entry(decision.on, EntryKind.allocation, -earmarked, area_id=area, **links))
                drawn[area] = earmarked
            if share.total - earmarked:
                ledger.append(self.entry(decision.on, EntryKind.allocation, earmarked - share.total, **links))
                drawn[None] = share.total - earmarked
            self.g.audit(
                "allocation.created",
                "allocation",
                allocation_id,
                decision.on,
                None,
                after={"total": str(share.total)},
                summary=f"{plan.reference} {share.total}",
            )
            # tranches: one per programme year that has begun, the first soon after the decision
            years = max(1, -(-(plan.end - plan.start).days // 365))
            amounts = [to_cents(share.total / years)] * years
            amounts[-1] = share.total - sum(amounts[:-1], ZERO)
            released = ZERO
            if release:
                released = to_cents(amounts[-1] * Decimal("0.3"))
                amounts[-1] -= released
            for tranche, amount in enumerate(amounts, start=1):
                later = results_ops.add_months(plan.start, 12 * (tranche - 1)) - timedelta(days=10)
                day = first_transfer if tranche == 1 else later
                day = max(day, decision.on)
                if plan.state is S.approved or day > w.today or amount <= 0:
                    break
                transfer_id = out.next_id("transfers")
                reference = f"{decision.reference}-T{tranche}"
                out.add(
                    "transfers",
                    {
                        "id": transfer_id,
                        "allocation_id": allocation_id,
                        "tranche": tranche,
                        "amount": amount,
                        "on_date": day,
                        "reference": reference,
                        "created_by_id": rng.choice(w.fmus),
                        "created_at": moment(rng, day),
                    },
                )
                ledger.append(
                    self.entry(
                        day,
                        EntryKind.transfer,
                        -amount,
                        transfer_id=transfer_id,
                        allocation_id=allocation_id,
                        proposal_id=plan.id,
                        reference=reference,
                    )
                )
                self.g.counts["transfers"] += 1
            if released:
                # given back to where it came from: the area's earmark first, then unearmarked (finance.give_back)
                day = min(w.today, plan.end + timedelta(days=60))
                left = released
                for area_id in sorted(drawn, key=lambda a: a is None):
                    part = min(left, drawn[area_id])
                    if part:
                        ledger.append(
                            self.entry(
                                day,
                                EntryKind.allocation_release,
                                part,
                                area_id=area_id,
                                **links | {"reference": f"{decision.reference}-REL"},
                            )
                        )
                    left -= part
            self.g.counts["allocations"] += 1
