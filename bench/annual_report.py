"""Time the fund's annual results report for many programmes, in a throwaway database.

    python -m bench.annual_report --sizes 10 200 --year 2025 --out /tmp/results-bench

Builds a fresh SQLite database in a temporary folder (or uses --database-url, which must point to
an empty database), loads the fund and its results framework, funds programmes in bulk through the
real operations (approval, allocation, activation, links, reports written, submitted and accepted),
and at each size times building the report's data and rendering its PDF. The PDFs are kept in --out.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from pypdf import PdfReader

from fundmgr import clock, create_app
from fundmgr.accounts.models import Organization, OrganizationKind, Role, User
from fundmgr.db import db
from fundmgr.finance.models import ContributionKind
from fundmgr.finance.operations import ContributionData, allocate_approved, record_contribution
from fundmgr.funds import definition
from fundmgr.funds.models import Country, Fund, FundRole
from fundmgr.funds.operations import load_fund_file
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.budget import budget_totals
from fundmgr.proposals.models import (
    BudgetLine,
    MatrixIndicator,
    MatrixOutcome,
    MatrixOutput,
    Participant,
    Proposal,
    ProposalState,
)
from fundmgr.proposals.operations import activate_programme, approve_proposal
from fundmgr.proposals.versions import freeze_version
from fundmgr.results import operations as ops
from fundmgr.results import reports
from fundmgr.results.demo import pace_of, plausible_input
from fundmgr.results.framework import bundled_framework, read_framework
from fundmgr.results.models import Programme

COUNTRIES = ["MKD", "TJK", "ZAF", "PHL", "CHL", "MEX", "GMB", "CIV", "NER", "MAR", "ECU", "GTM", "NPL", "BGD", "THA",
             "NGA", "SEN", "KGZ", "MDA", "FJI"]  # fmt: skip
# Per thematic area: programme theme, outcome, and its indicators as
# (output or None, indicator, unit, baseline, target, disaggregation, fund indicator code).
THEMES = {
    "TA1": ("Migration data for policy", "Institutions produce and use disaggregated migration data.", [
        (None, "Number of policies informed by the migration profile", "policies", "0", "6", [], "IN1.1"),
        ("Statisticians are trained", "Number of officials trained in migration statistics", "persons", "0", "240",
         ["sex", "age"], "IN1.1.1"),
        ("Data is shared", "Number of institutions sharing migration data", "institutions", "0", "9", [], "IN1.1.2"),
    ]),
    "TA2": ("Protection of migrants in vulnerable situations", "Migrants at risk access protection services.", [
        (None, "Number of migrants assisted with protection services", "persons", "0", "4000",
         ["sex", "age", "migratory_status", "disability"], "IN2.1"),
        ("Providers are trained", "Number of service providers trained on migrants' rights", "persons", "0", "500",
         ["sex"], "IN2.1.1"),
        ("Referral works", "Number of municipalities with a referral mechanism", "municipalities", "0", "8", [],
         "IN2.1.2"),
    ]),
    "TA3": ("Border governance and counter-trafficking", "Trafficking is prosecuted and victims are assisted.", [
        (None, "Number of victims of trafficking assisted", "persons", "50", "900", ["sex", "age", "migratory_status"],
         "IN3.1"),
        ("Officials apply procedures", "Number of border officials trained", "persons", "0", "350", ["sex"], "IN3.1.1"),
        ("Cases go to court", "Number of trafficking cases prosecuted", "cases", "4", "40", [], "IN3.2"),
    ]),
    "TA4": ("Fair recruitment and remittances", "Migrant workers gain from fair recruitment and cheap remittances.", [
        (None, "Number of migrant workers recruited fairly", "persons", "0", "3000", ["sex", "age"], "IN4.1"),
        ("Families use digital channels", "Share of households receiving remittances digitally", "% of households",
         "20", "55", [], "IN4.2"),
        ("Families manage their money", "Number of family members trained in financial literacy", "persons", "0",
         "2500", ["sex", "age", "migratory_status"], "IN4.1.2"),
    ]),
    "TA5": ("Inclusion and access to services", "Migrants access basic services and feel included.", [
        (None, "Number of migrants who accessed basic services", "persons", "0", "6000",
         ["sex", "age", "migratory_status", "disability"], "IN5.1"),
        ("Local plans include migrants", "Number of local governments with an inclusion plan", "local governments",
         "1", "10", [], "IN5.1.1"),
        ("Documents are issued", "Number of migrants issued identity documents", "persons", "0", "1800", ["sex", "age"],
         "IN5.1.2"),
    ]),
}  # fmt: skip


def build_app(database_url: str | None, workdir: Path):
    url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "STORAGE_DIR": str(workdir),
            "MAIL_SUPPRESS_SEND": True,  # the operations' e-mails are made but neither sent nor written to disk
        }
    )
    with app.app_context():
        if sa.inspect(db.engine).get_table_names():
            raise SystemExit(f"{url} is not empty: the benchmark only writes to a throwaway database")
        flask_migrate.upgrade()
        fund, _changed, _added = load_fund_file(definition.bundled_definition(), actor=None)
        framework_spec, framework_sha = read_framework(bundled_framework())
        ops.load_framework(fund, framework_spec, framework_sha, actor=None)
        db.session.commit()
    return app


class Generator:
    """Funds programmes one after another, as the fund would over the years."""

    def __init__(self, fund: Fund) -> None:
        self.fund = fund
        self.framework = ops.framework_of(fund)
        self.codes = {i.code: i for i in self.framework.indicators}
        self.organizations = sorted(fund.participating_organizations, key=lambda o: o.code)
        self.countries = [db.session.scalar(sa.select(Country).where(Country.iso3 == c)) for c in COUNTRIES]
        self.fmu = self.user(Role.fmu, self.organizations[0])
        self.leads: dict[int, User] = {}
        self.count = 0
        donor = db.session.scalar(sa.select(Organization).where(Organization.kind == OrganizationKind.donor).limit(1))
        record_contribution(
            fund,
            ContributionData(donor, ContributionKind.deposit, date(2022, 3, 1), "USD", Decimal("600000000.00"),
                             Decimal(1), reference="BENCH-DEPOSIT"),
            actor=None,
        )  # fmt: skip

    def user(self, role: Role, organization: Organization) -> User:
        # "!" is no password hash: these accounts can never sign in
        user = User(email=f"{role.value}-{organization.id}@bench.example", name=f"{role.value} {organization.code}",
                    role=role, organization=organization, password_hash="!", session_token=secrets.token_hex(16))  # noqa: S106  # fmt: skip
        db.session.add(user)
        db.session.add(FundRole(user=user, fund=self.fund, role=role))  # roles are held per fund
        return user

    def lead_user(self, organization: Organization) -> User:
        if organization.id not in self.leads:
            self.leads[organization.id] = self.user(Role.agency, organization)
        return self.leads[organization.id]

    def add(self, year: int) -> Programme:
        """Fund one programme and report on its periods ending by the end of the year."""
        n = self.count = self.count + 1
        area = self.fund.thematic_areas[n % len(self.fund.thematic_areas)]
        lead = self.organizations[n % len(self.organizations)]
        partner = self.organizations[(n + 3) % len(self.organizations)]
        start = date(year - 2, 1 + n % 12, 1)
        proposal = self.proposal(n, area, lead, partner, start)
        version = freeze_version(proposal, actor=self.lead_user(lead))
        proposal.state = ProposalState.in_review  # as the intake would have left it (not this benchmark's subject)
        approve_proposal(proposal, actor=None)  # the results side establishes the programme
        allocate_approved(proposal, version, approved_amount=version.total, decided_on=start - timedelta(days=45),
                          reference=f"BENCH-ALLOC-{n:04d}", actor=None)  # fmt: skip
        activate_programme(proposal, actor=None)
        programme = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id))
        self.link(programme, area.code)
        self.report(programme, date(year, 12, 31), self.lead_user(lead))
        return programme

    def proposal(self, n: int, area, lead: Organization, partner: Organization, start: date) -> Proposal:
        theme, outcome_statement, rows = THEMES[area.code]
        country = self.countries[n % len(self.countries)]
        proposal = Proposal(
            fund=self.fund, reference=f"BENCH-{n:04d}", title=f"{theme} in {country.label} ({n})",
            summary="Generated for the results report benchmark.", country=country, primary_area=area,
            objectives=[area.objectives[0]], duration_months=36, start_date=start, government_endorsement=True,
            lead_organization=lead, created_by=self.lead_user(lead),
        )  # fmt: skip
        db.session.add(proposal)
        category = self.fund.budget_categories[0]
        for organization, amount in ((lead, Decimal("400000.00")), (partner, Decimal("250000.00"))):
            proposal.participants.append(Participant(organization=organization, indirect_rate=Decimal("0.07")))
            for year in (1, 2, 3):
                proposal.budget_lines.append(BudgetLine(organization=organization, category=category, year=year,
                                                        amount=amount))  # fmt: skip
        outcome = MatrixOutcome(position=1, statement=outcome_statement)
        proposal.outcomes.append(outcome)
        outputs: dict[str, MatrixOutput] = {}
        for position, (output_statement, name, unit, baseline, target, dims, _code) in enumerate(rows, start=1):
            output = None
            if output_statement:
                output = outputs.setdefault(output_statement, MatrixOutput(position=len(outputs) + 1,
                                                                           statement=output_statement))  # fmt: skip
                if output not in outcome.outputs:
                    outcome.outputs.append(output)
            outcome.indicators.append(
                MatrixIndicator(output=output, position=position, name=name, unit=unit, baseline=Decimal(baseline),
                                target=Decimal(target), means_of_verification="Programme records",
                                disaggregation=dims)
            )  # fmt: skip
        db.session.flush()
        proposal.total_amount = budget_totals(proposal).total
        return proposal

    def link(self, programme: Programme, area_code: str) -> None:
        codes = {name: code for _o, name, _u, _b, _t, _d, code in THEMES[area_code][2]}
        links = [ops.IndicatorLink(i, self.codes[codes[i.name]], [], i.measure) for i in programme.indicators]
        ops.set_indicator_links(programme, links, actor=self.fmu)

    def report(self, programme: Programme, cutoff: date, lead: User) -> None:
        pace = pace_of(programme.proposal.reference)
        for period in programme.periods:
            if period.end_date > cutoff:
                break
            with clock.as_of(period.end_date + timedelta(days=30)):
                report = ops.save_report(period, plausible_input(period, self.framework, pace), actor=lead)
                ops.submit_report(report, actor=lead)
                ops.accept_report(report, actor=self.fmu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 200], help="numbers of programmes to time")
    parser.add_argument("--year", type=int, default=2025, help="the year the annual report covers")
    parser.add_argument("--lang", default="en", choices=LANGUAGES)
    parser.add_argument("--out", type=Path, default=None, help="folder for the PDFs (default: the temporary one)")
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: SQLite in a temporary folder)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fundmgr-bench-") as tmp:
        workdir = Path(tmp)
        out = args.out or workdir
        out.mkdir(parents=True, exist_ok=True)
        app = build_app(args.database_url, workdir)
        with app.app_context(), app.test_request_context():
            fund = db.session.scalar(sa.select(Fund))
            generator = Generator(fund)
            print(f"{'programmes':>10} {'pages':>6} {'data (s)':>9} {'PDF (s)':>8} {'total (s)':>9} {'size (kB)':>9}")
            for size in sorted(args.sizes):
                started = time.perf_counter()
                while generator.count < size:
                    generator.add(args.year)
                db.session.commit()
                generated = time.perf_counter() - started
                time_report(fund, args.year, args.lang, size, out, generated)


def timed_report(fund: Fund, year: int, lang: str) -> tuple[float, float, float, bytes]:
    """Seconds to build the annual report's data, then seconds and CPU seconds to build and render it; and the PDF.

    The CPU time is the second step's alone, like its seconds: the first builds the data only to time it."""
    db.session.expire_all()  # measure with a cold session, as a web request would have
    started = time.perf_counter()
    reports.annual_report_data(fund, year, lang)
    data_seconds = time.perf_counter() - started
    db.session.expire_all()
    started, cpu = time.perf_counter(), time.process_time()
    pdf = reports.annual_report_pdf(fund, year, lang)
    return data_seconds, time.perf_counter() - started, time.process_time() - cpu, pdf


def time_report(fund: Fund, year: int, lang: str, size: int, out: Path, generated: float) -> None:
    data_seconds, total, _cpu, pdf = timed_report(fund, year, lang)
    path = out / f"annual-{year}-{size}-programmes.pdf"
    path.write_bytes(pdf)
    pages = len(PdfReader(path).pages)
    print(f"{size:>10} {pages:>6} {data_seconds:>9.2f} {total - data_seconds:>8.2f} {total:>9.2f} {len(pdf) // 1024:>9}"
          f"   (generated in {generated:.1f} s) -> {path}")  # fmt: skip


if __name__ == "__main__":
    main()
