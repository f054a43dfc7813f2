"""The expected answer of every route to every role: the access matrix, written down.

Each case names an endpoint and a method, the URL parameters taken from the world, and what each role
gets. For POSTs it also says where a browser finds the form (read as the role that uses it) and what is
typed into it, so an allowed POST really does the action. The answers:

  ok         a GET answered (2xx, or 3xx not to the sign-in page)
  done       a POST carried out: data changed, and the audit log has an entry for it by the user
  kept       a POST answered (2xx, 3xx, 409 or 422) that changed nothing: a business rule refused it
             (shown to the user as a message), or it only touches the session (language, fund, sign-out)
  403        the user may know the object exists but may not do this
  404        the user may not even know the object exists (another organization's proposal, a draft...)
  login      anonymous: sent to the sign-in page

A 5xx is always a failure.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tests.access.world import ROLES, TODAY, World
from tests.factories import PASSWORD
from tests.support.files import PDF_BYTES

OK, DONE, KEPT, FORBIDDEN, HIDDEN, LOGIN = "ok", "done", "kept", "403", "404", "login"
SC = ("sc_member", "sc_chair", "sc_recused", "sc_declared")
# Those who know none of IOM's proposals but the one a reviewer is invited on (in screening).
GROUPS = {"sc": SC, "signed_in": ROLES[1:], "agencies": ("agency_lead", "agency_other"),
          "outsiders": ("agency_other", "reviewer")}  # fmt: skip


def answers(default: str, *, anonymous: str = LOGIN, **by_role: str) -> dict[str, str]:
    """Every role's answer: the default, anonymous, then groups (sc, agencies, signed_in) or roles, in order."""
    table = dict.fromkeys(ROLES, default) | {"anonymous": anonymous}
    for name, answer in by_role.items():
        for role in GROUPS.get(name, (name,)):
            table[role] = answer
    return table


@dataclass(frozen=True)
class Case:
    """One (endpoint, method) with one set of URL parameters, and every role's expected answer."""

    endpoint: str
    method: str
    params: Callable[[World], dict[str, Any]]
    expect: Mapping[str, str]
    variant: str = ""
    query: str = ""
    form_page: Callable[[World], str] | None = None  # where the form is; None: the route's own GET page
    owner: str | None = None  # whose view of the form page is read
    data: Callable[[World], dict[str, Any]] | None = None  # what is typed into the form
    secrets: tuple[str, ...] = ()  # proposals (world.titles keys) whose title a refusal must not show
    guessable: bool = True  # whether the URL holds ids worth guessing
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.endpoint}:{self.method}" + (f":{self.variant}" if self.variant else "")


def none(_w: World) -> dict[str, Any]:
    return {}


def proposal(key: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"proposal_id": w.proposals[key]}


def ids(**names: str) -> Callable[[World], dict[str, Any]]:
    """URL parameters from world ids: ids(meeting_id="live_meeting") -> {"meeting_id": w.ids["live_meeting"]}."""
    return lambda w: {param: w.ids[key] for param, key in names.items()}


def period(key: str, **more: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"programme_id": w.ids["programme"], "number": w.ids[key]} | {p: w.ids[k] for p, k in more.items()}


def pdf_file(name: str = "annex.pdf") -> tuple[io.BytesIO, str]:
    return (io.BytesIO(PDF_BYTES), name)


# --- Answers shared by many routes -----------------------------------------------------------------

EVERYONE = answers(OK, anonymous=OK)
SIGNED_IN = answers(OK)
FMU_ADMIN = answers(FORBIDDEN, fmu=OK, admin=OK)
FMU_ONLY = answers(FORBIDDEN, fmu=OK)
FMU_ADMIN_DO = answers(FORBIDDEN, fmu=DONE, admin=DONE)
FMU_DOES = answers(FORBIDDEN, fmu=DONE)
STEERING = answers(FORBIDDEN, sc=OK, fmu=OK, admin=OK)
# A job the FMU asked for: nobody else knows it, but administrators.
MY_JOB = answers(HIDDEN, fmu=OK, admin=OK)
DASHBOARDS = answers(FORBIDDEN, sc=OK, fmu=OK, admin=OK, viewer=OK)
AGENCIES = answers(FORBIDDEN, agencies=OK)
# A draft of IOM (with UNHCR): its agencies edit it; the FMU and admins read it; nobody else knows it.
DRAFT_READ = answers(HIDDEN, agency_lead=OK, fmu=OK, admin=OK)
DRAFT_EDIT = answers(HIDDEN, agency_lead=OK, fmu=FORBIDDEN, admin=FORBIDDEN)
DRAFT_WRITE = answers(HIDDEN, agency_lead=DONE, fmu=FORBIDDEN, admin=FORBIDDEN)
# A proposal in review: the Steering Committee reads its versions; recused members see only its title.
IN_REVIEW_READ = answers(HIDDEN, agency_lead=OK, sc=OK, sc_recused=FORBIDDEN, sc_declared=FORBIDDEN, fmu=OK, admin=OK)
# A funded programme is published: viewers and the Steering Committee read it too.
FUNDED_READ = answers(HIDDEN, agency_lead=OK, sc=OK, fmu=OK, viewer=OK, admin=OK)
# A funded programme's whole file: the fund's managers; whoever may not see the programme does not learn of it.
DOSSIER = answers(FORBIDDEN, outsiders=HIDDEN, fmu=OK, admin=OK)
# A report not yet accepted: the programme's agencies, the FMU and admins only.
UNPUBLISHED_READ = answers(HIDDEN, agency_lead=OK, fmu=OK, admin=OK)
CALL_DRAFT_READ = answers(HIDDEN, fmu=OK, admin=OK)
CALL_DRAFT_WRITE = answers(HIDDEN, fmu=DONE, admin=DONE)
CALL_FORM = {
    "title_en": "A call",
    "title_fr": "Un appel",
    "title_es": "Una convocatoria",
    "opens_on": "2026-01-15",
    "closes_on": "2026-03-31",
    "ceiling": "2,000,000.00",
    "description_en": "What the call asks for.",
}
LEAD_REPORTS = answers(HIDDEN, agency_lead=DONE, fmu=FORBIDDEN, admin=FORBIDDEN)
# An allocation to IOM: IOM's staff and the FMU report its expenditure; others reading the programme may not.
EXPENDITURE_READ = answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=OK, fmu=OK)
EXPENDITURE_WRITE = answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=DONE, fmu=DONE)
RESULTS_MANAGE_READ = answers(FORBIDDEN, outsiders=HIDDEN, fmu=OK, admin=OK)
RESULTS_MANAGE_WRITE = answers(FORBIDDEN, outsiders=HIDDEN, fmu=DONE, admin=DONE)


IATI_FILE_WRITES = ("jobs", "audit_entries")


def get(endpoint: str, params=none, expect=SIGNED_IN, **kw: Any) -> Case:
    return Case(endpoint, "GET", params, expect, **kw)


def post(endpoint: str, params=none, expect=FMU_ADMIN, **kw: Any) -> Case:
    return Case(endpoint, "POST", params, expect, **kw)


def asks(expect: Mapping[str, str]) -> dict[str, str]:
    """Asking for a document: those who could read it record a job (audited), the others are refused as before."""
    return {role: DONE if answer == OK else answer for role, answer in expect.items()}


def page(endpoint: str, **params: str) -> Callable[[World], str]:
    """A form page's URL, built when the test runs (ids from the world)."""
    from flask import url_for

    def build(w: World) -> str:
        values = {}
        for name, key in params.items():
            values[name] = w.proposals[key[2:]] if key.startswith("p:") else w.ids[key]
        return url_for(endpoint, **values)

    return build


def newest_notification(role: str) -> Callable[[World], dict[str, Any]]:
    """The role's newest notification (the first of its list), read when the test runs."""

    def build(w: World) -> dict[str, Any]:
        import sqlalchemy as sa

        from fundmgr.db import db
        from fundmgr.notifications.models import Notification

        query = sa.select(Notification.id).where(Notification.user_id == w.users[role])
        newest = db.session.scalar(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(1))
        return {"notification_id": newest}

    return build


def signed_in_elsewhere(role: str) -> Callable[[World], dict[str, Any]]:
    """The role's user id, that user signed in in some browser (a live session to end), made when the test runs."""

    def build(w: World) -> dict[str, Any]:
        from fundmgr.accounts.models import User
        from fundmgr.accounts.sessions import start_session
        from fundmgr.db import db

        start_session(db.session.get(User, w.users[role]))
        db.session.commit()
        return {"user_id": w.users[role]}

    return build


CASES: list[Case] = [
    # --- Pages, languages, accounts ---
    get("pages.home", expect=EVERYONE),
    get("pages.health", expect=EVERYONE),
    post(
        "pages.set_language",
        expect=answers(DONE, anonymous=KEPT),
        form_page=lambda w: "/",
        owner="fmu",
        data=lambda w: {"locale": "fr", "next": "/"},
    ),
    get("accounts.login", expect=EVERYONE),
    post(
        "accounts.login",
        expect=answers(KEPT, anonymous=DONE),
        owner="anonymous",
        data=lambda w: {"email": w.emails["fmu"], "password": PASSWORD},
        extra={"actor": "fmu"},
    ),
    post("accounts.logout", expect=answers(DONE), form_page=lambda w: "/", owner="fmu"),  # ends its server session
    get("accounts.users", expect=answers(FORBIDDEN, admin=OK)),
    get(
        "accounts.users_export",
        lambda w: {"fmt": "csv"},
        answers(FORBIDDEN, admin=OK),
        variant="csv",
        query="role=admin",
    ),
    get("accounts.users_export", lambda w: {"fmt": "xlsx"}, answers(FORBIDDEN, admin=OK), variant="xlsx"),
    post(
        "accounts.end_sessions",
        signed_in_elsewhere("agency_other"),
        answers(FORBIDDEN, admin=DONE),
        form_page=page("accounts.users"),
        owner="admin",
        data=lambda w: {"confirmed": "yes"},
    ),
    get("accounts.profile"),
    post(
        "accounts.profile",
        expect=answers(DONE),
        owner="fmu",
        data=lambda w: {"current": PASSWORD, "new": "a brand new passphrase", "confirm": "a brand new passphrase"},
    ),
    post(
        "accounts.create_api_token",
        expect=answers(DONE),
        form_page=page("accounts.profile"),
        owner="agency_lead",
        data=lambda w: {"name": "ERP link", "scope": "read_write", "days": "90"},
    ),
    post(
        "accounts.revoke_api_token",
        ids(token_id="api_token"),
        answers(HIDDEN, agency_lead=DONE),
        form_page=page("accounts.profile"),
        owner="agency_lead",
        data=lambda w: {"confirmed": "yes"},
    ),  # a token is its owner's alone: anyone else's try is as for a token that does not exist
    get("api_docs.docs", expect=EVERYONE),
    get("api-docs.openapi_json", expect=EVERYONE),
    get("accounts.reset_request", expect=EVERYONE),
    post(
        "accounts.reset_request",
        expect=answers(KEPT, anonymous=KEPT),
        owner="anonymous",
        data=lambda w: {"email": w.emails["agency_lead"]},
    ),
    get("accounts.reset_password", lambda w: {"token": w.reset_token}, EVERYONE, guessable=False),
    post(
        "accounts.reset_password",
        lambda w: {"token": w.reset_token},
        answers(DONE, anonymous=DONE),
        owner="anonymous",
        data=lambda w: {"new": "a brand new passphrase", "confirm": "a brand new passphrase"},
        guessable=False,
        extra={"actor": "agency_lead"},
    ),  # the link's holder acts as its account
    get("audit.log", expect=FMU_ADMIN),
    get("audit.export", lambda w: {"kind": "csv"}, FMU_ADMIN, variant="csv", query="object_type=proposal"),
    get("audit.export", lambda w: {"kind": "xlsx"}, FMU_ADMIN, variant="xlsx"),
    # --- Fund reference data ---
    *[
        get(f"funds.{name}")
        for name in (
            "overview",
            "areas",
            "objectives",
            "principles",
            "markers",
            "budget_categories",
            "criteria",
            "organizations",
            "countries",
        )
    ],
    post("funds.switch", expect=answers(KEPT), data=lambda w: {"fund": "MIG", "next": "/fund/"}),  # one fund: no form
    get("funds.people", expect=answers(FORBIDDEN, admin=OK)),
    get("funds.people_export", lambda w: {"fmt": "csv"}, answers(FORBIDDEN, admin=OK), variant="csv", query="role=fmu"),
    get("funds.people_export", lambda w: {"fmt": "xlsx"}, answers(FORBIDDEN, admin=OK), variant="xlsx"),
    post(
        "funds.people",
        expect=answers(FORBIDDEN, admin=DONE),
        owner="admin",
        data=lambda w: {"email": w.emails["newcomer"], "fund": w.ids["fund"], "role": "viewer"},
    ),
    post(
        "funds.end_role",
        lambda w: {"user_id": w.users["agency_other"], "fund_id": w.ids["fund"]},
        answers(FORBIDDEN, admin=DONE),
        form_page=page("funds.people"),
        owner="admin",
        data=lambda w: {"confirmed": "yes"},
    ),
    # --- Proposals ---
    get("proposals.list"),
    get("proposals.export", lambda w: {"fmt": "csv"}, variant="csv"),
    get("proposals.export", lambda w: {"fmt": "xlsx"}, variant="xlsx"),
    get("proposals.new", expect=AGENCIES),
    post(
        "proposals.new",
        expect=answers(FORBIDDEN, agencies=DONE),
        owner="agency_lead",
        data=lambda w: {"title": "A new joint programme", "primary_area": "TA1", "country": "SEN"},
    ),
    get("proposals.detail", proposal("draft"), DRAFT_READ, variant="draft", secrets=("draft",)),
    get(
        "proposals.detail",
        proposal("review"),
        answers(HIDDEN, agency_lead=OK, sc=OK, fmu=OK, admin=OK),
        variant="review",
        secrets=("review",),
    ),
    get("proposals.detail", proposal("active"), FUNDED_READ, variant="active", secrets=("active",)),
    get(
        "proposals.detail",
        proposal("other_draft"),
        answers(HIDDEN, agency_other=OK, fmu=OK, admin=OK),
        variant="other",
        secrets=("other_draft",),
    ),
    *[
        get(f"proposals.{name}", proposal("draft"), DRAFT_EDIT, secrets=("draft",))
        for name in ("details", "organizations", "markers", "budget", "matrix", "attachments", "withdraw")
    ],
    post(
        "proposals.details",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"title": "Safe labour corridors, revised"},
    ),
    post(
        "proposals.organizations",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"lead": "IOM", "partners": ["UNHCR", "ILO"]},
    ),
    get("proposals.mine", expect=AGENCIES),
    get("proposals.concept", proposal("concept"), DRAFT_EDIT, secrets=("concept",)),
    post(
        "proposals.concept",
        proposal("concept"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("concept",),
        data=lambda w: {"problem_statement": "Revised problem.", "corridors": "TJK > TUR > DEU"},
    ),
    get("proposals.sections", proposal("draft"), DRAFT_EDIT, secrets=("draft",)),
    post(
        "proposals.sections",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"me_plan": "Quarterly monitoring visits.", "workplan": "1: Train officials"},
    ),
    get("proposals.invite", proposal("pipeline"), FMU_ONLY, secrets=("pipeline",)),
    post(
        "proposals.invite",
        proposal("pipeline"),
        FMU_DOES,
        owner="fmu",
        secrets=("pipeline",),
        data=lambda w: {"deadline": (TODAY + timedelta(days=30)).isoformat(), "amount": "500,000.00"},
    ),
    post(
        "proposals.markers",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {},
        extra={"first_textarea": "Revised justification."},
    ),
    post(
        "proposals.budget",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {},
        extra={"first_amount": "123456.00"},
    ),
    get(
        "proposals.matrix_new",
        lambda w: {"proposal_id": w.proposals["draft"], "kind": "outcomes"},
        DRAFT_EDIT,
        secrets=("draft",),
    ),
    post(
        "proposals.matrix_new",
        lambda w: {"proposal_id": w.proposals["draft"], "kind": "outcomes"},
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"statement": "Employers apply fair recruitment."},
    ),
    get(
        "proposals.matrix_item",
        lambda w: {"proposal_id": w.proposals["draft"], "kind": "indicators", "item_id": w.ids["draft_indicator"]},
        DRAFT_EDIT,
        secrets=("draft",),
    ),
    post(
        "proposals.matrix_item",
        lambda w: {"proposal_id": w.proposals["draft"], "kind": "indicators", "item_id": w.ids["draft_indicator"]},
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"name": "Officials trained"},
    ),
    post(
        "proposals.matrix_remove",
        lambda w: {"proposal_id": w.proposals["draft"], "kind": "outputs", "item_id": w.ids["draft_output"]},
        DRAFT_WRITE,
        form_page=page("proposals.matrix", proposal_id="p:draft"),
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"confirmed": "yes"},
    ),
    post(
        "proposals.restore",
        proposal("draft"),
        answers(HIDDEN, agency_lead=KEPT, fmu=FORBIDDEN, admin=FORBIDDEN),  # nothing was removed in this session
        secrets=("draft",),  # its form is in the message after a removal (tests/proposals/test_matrix_removal.py)
    ),
    post(
        "proposals.attachments",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"kind": "full_document", "file": pdf_file("full-document.pdf")},
    ),
    get(
        "proposals.attachment",
        lambda w: {"proposal_id": w.proposals["draft"], "attachment_id": w.ids["draft_attachment"]},
        DRAFT_READ,
        variant="draft",
        secrets=("draft",),
    ),
    get(
        "proposals.attachment",
        lambda w: {"proposal_id": w.proposals["review"], "attachment_id": w.ids["review_attachment"]},
        IN_REVIEW_READ,
        variant="review",
        secrets=("review",),
    ),
    get(
        "proposals.attachment",
        lambda w: {"proposal_id": w.proposals["other_draft"], "attachment_id": w.ids["other_attachment"]},
        answers(HIDDEN, agency_other=OK, fmu=OK, admin=OK),
        variant="other",
        secrets=("other_draft",),
    ),
    post(
        "proposals.remove_attachment",
        lambda w: {"proposal_id": w.proposals["draft"], "attachment_id": w.ids["draft_attachment"]},
        DRAFT_WRITE,
        form_page=page("proposals.attachments", proposal_id="p:draft"),
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"confirmed": "yes"},
    ),
    post(
        "proposals.delete_draft",
        proposal("draft"),
        DRAFT_WRITE,
        form_page=page("proposals.detail", proposal_id="p:draft"),
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"confirmed": "yes"},
    ),
    post(
        "proposals.submit",
        proposal("draft"),
        DRAFT_WRITE,
        form_page=page("proposals.detail", proposal_id="p:draft"),
        owner="agency_lead",
        secrets=("draft",),
    ),
    post(
        "proposals.withdraw",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"reason": "The government asked us to wait a year."},
    ),
    post(
        "proposals.start_screening",
        proposal("submitted"),
        FMU_DOES,
        form_page=page("proposals.detail", proposal_id="p:submitted"),
        owner="fmu",
        secrets=("submitted",),
    ),
    get("proposals.screening", proposal("screening"), FMU_ONLY, secrets=("screening",)),
    # --- Technical review: the FMU invites; the invited reviewer (on the proposal in screening) comments; the
    # comments go to the FMU and, from review on, to the members not recused. ---
    get(
        "proposals.technical_review",
        proposal("screening"),
        answers(HIDDEN, agency_lead=FORBIDDEN, fmu=OK, admin=OK, reviewer=OK),
        secrets=("screening",),
    ),
    get(
        "proposals.technical_review",
        proposal("review"),
        answers(HIDDEN, agency_lead=FORBIDDEN, sc=OK, sc_recused=FORBIDDEN, sc_declared=FORBIDDEN, fmu=OK, admin=OK),
        variant="review",
        secrets=("review",),
    ),
    post(
        "proposals.invite_reviewer",
        proposal("review"),
        FMU_ADMIN_DO,
        owner="fmu",
        form_page=page("proposals.technical_review", proposal_id="p:review"),
        data=lambda w: {"reviewer": str(w.users["reviewer"])},
        secrets=("review",),
    ),
    post(
        "proposals.withdraw_invitation",
        lambda w: {"proposal_id": w.proposals["screening"], "invitation_id": w.ids["invitation"]},
        FMU_ADMIN_DO,
        form_page=page("proposals.technical_review", proposal_id="p:screening"),
        owner="fmu",
        secrets=("screening",),
        data=lambda w: {"confirmed": "yes"},
    ),
    post(
        "proposals.review_comment",
        proposal("screening"),
        answers(FORBIDDEN, reviewer=DONE),
        owner="reviewer",
        form_page=page("proposals.technical_review", proposal_id="p:screening"),
        data=lambda w: {"body": "The search and rescue component needs a budget line."},
        secrets=("screening",),
    ),
    post(
        "proposals.screening",
        proposal("screening"),
        FMU_DOES,
        owner="fmu",
        secrets=("screening",),
        data=lambda w: {"action": "forward"},
        extra={"pass_all": True},
    ),
    get(
        "proposals.version",
        lambda w: {"proposal_id": w.proposals["review"], "number": 1},
        IN_REVIEW_READ,
        secrets=("review",),
    ),
    get(
        "proposals.version_pdf",
        lambda w: {"proposal_id": w.proposals["review"], "number": 2},
        IN_REVIEW_READ,
        secrets=("review",),
    ),
    get("proposals.compare", proposal("review"), IN_REVIEW_READ, secrets=("review",)),
    # --- Open data: the IATI files and the public page answer anyone, the same for everyone (published data: no
    # object of the fund to guess); the dossier only the fund's managers. An unknown fund and a programme not
    # funded (404 for all) are tested in tests/opendata. ---
    # the IATI file is a job's file the system keeps (fundmgr.opendata.iati_file): a GET may ask for it to be built
    # (a job row, its audit entry), the one kind of write a GET may make
    get("opendata.iati_activities", expect=EVERYONE, extra={"cache_writes": IATI_FILE_WRITES}),
    get(
        "opendata.fund_iati_activities",
        lambda w: {"fund_code": "MIG"},
        EVERYONE,
        guessable=False,
        extra={"cache_writes": IATI_FILE_WRITES},
    ),
    get("opendata.fund_page", lambda w: {"fund_code": "MIG"}, EVERYONE, guessable=False),
    post(
        "opendata.dossier",
        proposal("active"),
        asks(DOSSIER),
        secrets=("active",),
        owner="fmu",
        form_page=page("proposals.detail", proposal_id="p:active"),
    ),
    get(
        "opendata.public_document",
        lambda w: {"fund_code": "MIG", "file_id": w.ids["publication_file"]},
        EVERYONE,
        guessable=False,
    ),  # published: anyone may read it (another fund's id is tested in tests/opendata)
    get("opendata.publications", expect=FMU_ADMIN),
    post("opendata.publications", expect=FMU_ADMIN_DO, owner="fmu", data=lambda w: {"year": str(TODAY.year - 1)}),
    get("opendata.decision_summary", ids(decision_id="decision"), FMU_ADMIN),
    post(
        "opendata.decision_summary",
        ids(decision_id="decision"),
        FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"summary_en": "The committee funded it.", "summary_fr": "", "summary_es": ""},
    ),
    post(
        "opendata.withdraw",
        ids(publication_id="publication"),
        FMU_ADMIN_DO,
        form_page=page("opendata.publications"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    get("opendata.pipeline", lambda w: {"fund_code": "MIG"}, EVERYONE, guessable=False),
    get("opendata.pipeline_booklet", lambda w: {"fund_code": "MIG"}, EVERYONE, guessable=False),
    # --- Finance ---
    *[
        get(f"finance.{name}", expect=DASHBOARDS)
        for name in ("dashboard", "dashboard_pdf", "dashboard_xlsx", "pipeline")
    ],
    get("finance.pipeline", expect=DASHBOARDS, variant="what-if", query="extra=2500000"),
    *[get(f"finance.{name}", expect=FMU_ADMIN) for name in ("ledger", "ledger_xlsx", "contributions")],
    get("finance.ledger_export", lambda w: {"fmt": "csv"}, FMU_ADMIN, variant="csv", query="kind=deposit"),
    get("finance.ledger_export", lambda w: {"fmt": "xlsx"}, FMU_ADMIN, variant="xlsx"),
    get("finance.contributions_export", lambda w: {"fmt": "csv"}, FMU_ADMIN, variant="csv", query="kind=deposit"),
    get("finance.contributions_export", lambda w: {"fmt": "xlsx"}, FMU_ADMIN, variant="xlsx"),
    get("finance.contribution", ids(contribution_id="contribution"), FMU_ADMIN),
    get("finance.new_contribution", expect=FMU_ONLY),
    post(
        "finance.new_contribution",
        expect=FMU_DOES,
        owner="fmu",
        data=lambda w: {
            "donor": str(w.ids["donor"]),
            "amount": "2000000.00",
            "reference": "SAA-NEW-02",
            "on_date": TODAY.isoformat(),
        },
    ),
    get("finance.correct_contribution", ids(contribution_id="contribution"), FMU_ONLY),
    post(
        "finance.correct_contribution",
        ids(contribution_id="contribution"),
        FMU_DOES,
        owner="fmu",
        data=lambda w: {"amount": "31000000.00", "reason": "The bank statement says 31 million."},
    ),
    get("finance.new_interest", expect=FMU_ONLY),
    post(
        "finance.new_interest",
        expect=FMU_DOES,
        owner="fmu",
        data=lambda w: {"amount": "1250.75", "on_date": TODAY.isoformat(), "reference": "INT-2026-Q3"},
    ),
    get("finance.programmes"),
    get("finance.programmes_export", lambda w: {"fmt": "csv"}, SIGNED_IN, variant="csv", query="state=active"),
    get("finance.programmes_export", lambda w: {"fmt": "xlsx"}, SIGNED_IN, variant="xlsx"),
    get("finance.programme", proposal("active"), FUNDED_READ, secrets=("active",)),
    # the funded IOM programme's allocations: only the FMU moves money; any other role is refused, for any id
    *[
        get(f"finance.{name}", ids(allocation_id="allocation"), FMU_ONLY, secrets=("active",))
        for name in ("new_transfer", "new_refund", "release")
    ],
    *[
        post(
            f"finance.{name}",
            ids(allocation_id="allocation"),
            FMU_DOES,
            secrets=("active",),
            owner="fmu",
            data=lambda w: {"amount": "1000.00", "on_date": TODAY.isoformat(), "reference": "TR-2026-07"},
        )
        for name in ("new_transfer", "new_refund", "release")
    ],
    # expenditure: the programme's readers see it; the allocation's own organization (IOM) and the FMU report it
    get("finance.expenditure", proposal("active"), FUNDED_READ, secrets=("active",)),
    get("finance.report_expenditure", ids(allocation_id="allocation"), EXPENDITURE_READ, secrets=("active",)),
    post(
        "finance.report_expenditure",
        ids(allocation_id="allocation"),
        EXPENDITURE_WRITE,
        secrets=("active",),
        owner="fmu",
        data=lambda w: {
            "year": str(TODAY.year),
            "category": str(w.ids["budget_category"]),
            "kind": "interim",
            "amount": "1000.00",
        },
    ),
    # top-ups: the lead agency asks (one is already waiting: kept); the FMU forwards the waiting one to the committee
    get(
        "finance.top_up_request",
        proposal("active"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=OK),
        secrets=("active",),
    ),
    post(
        "finance.top_up_request",
        proposal("active"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=KEPT),
        owner="agency_lead",
        secrets=("active",),
        data=lambda w: {"organization": str(w.ids["top_up_organization"]), "amount": "1000.00", "reason": "More."},
    ),
    get(
        "finance.top_up",
        ids(top_up_id="top_up"),
        answers(HIDDEN, agency_lead=OK, sc=OK, sc_recused=HIDDEN, fmu=OK, admin=OK),
        secrets=("active",),
    ),
    post(
        "finance.top_up",
        ids(top_up_id="top_up"),
        answers(HIDDEN, agency_lead=FORBIDDEN, sc=FORBIDDEN, sc_recused=HIDDEN, fmu=DONE, admin=DONE),
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"decision": "forward", "note": "Reviewed: the budget holds."},
    ),
    # budget revisions: the lead agency asks (one is already waiting: kept); the FMU approves the waiting one
    get(
        "finance.revision_request",
        proposal("active"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=OK),
        secrets=("active",),
    ),
    post(
        "finance.revision_request",
        proposal("active"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=KEPT),
        owner="agency_lead",
        secrets=("active",),
        data=lambda w: w.extra["revision_form"],
    ),
    get(
        "finance.revision",
        ids(revision_id="revision"),
        answers(HIDDEN, agency_lead=OK, sc=OK, sc_recused=HIDDEN, fmu=OK, admin=OK),
        secrets=("active",),
    ),
    post(
        "finance.revision",
        ids(revision_id="revision"),
        answers(HIDDEN, agency_lead=FORBIDDEN, sc=FORBIDDEN, sc_recused=HIDDEN, fmu=DONE, admin=DONE),
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"decision": "approve", "reference": "FMU-R-1", "decided_on": TODAY.isoformat(), "note": ""},
    ),
    # closure: the FMU closes the active programme financially only once it is closed operationally (refused here)
    get("finance.close", proposal("active"), FMU_ONLY, secrets=("active",)),
    post(
        "finance.close",
        proposal("active"),
        answers(FORBIDDEN, fmu=KEPT),
        secrets=("active",),
        owner="fmu",
        data=lambda w: {"closed_on": TODAY.isoformat(), "reference": "FC-2026-01"},
    ),
    # certified final financial statements: submitted by the paid organization's staff (IOM) or the FMU after the
    # financial closure (refused here: open); the uploaded file of UNHCR's read by the FMU, administrators and the
    # committee (not the recused UNHCR member), never by another organization
    get(
        "finance.final_statements",
        proposal("active"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=OK, fmu=OK),
        secrets=("active",),
    ),
    post(
        "finance.final_statements",
        proposal("active"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=KEPT, fmu=KEPT),
        secrets=("active",),
        owner="fmu",
        data=lambda w: {
            "organization": "1",
            "received_on": TODAY.isoformat(),
            "certified_total": "0.00",
            "document": "CFS-2026-01",
        },
    ),
    get(
        "finance.final_statement_file",
        ids(statement_id="final_statement"),
        answers(HIDDEN, sc=OK, sc_recused=HIDDEN, fmu=OK, admin=OK),
    ),
    # --- Steering ---
    *[
        get(f"steering.{name}", expect=STEERING)
        for name in ("index", "ranking", "portfolio", "meetings", "procedures", "decisions")
    ],
    get(
        "steering.decisions_export",
        lambda w: {"fmt": "csv"},
        STEERING,
        variant="csv",
        query="outcome=approve_with_conditions",
    ),
    get("steering.decisions_export", lambda w: {"fmt": "xlsx"}, STEERING, variant="xlsx"),
    get("steering.meetings_export", lambda w: {"fmt": "csv"}, STEERING, variant="csv", query="state=closed"),
    get("steering.meetings_export", lambda w: {"fmt": "xlsx"}, STEERING, variant="xlsx"),
    get("steering.index_export", lambda w: {"fmt": "csv"}, STEERING, variant="csv"),
    get("steering.index_export", lambda w: {"fmt": "xlsx"}, STEERING, variant="xlsx"),
    get("steering.procedures_export", lambda w: {"fmt": "csv"}, STEERING, variant="csv", query="state=open"),
    get("steering.procedures_export", lambda w: {"fmt": "xlsx"}, STEERING, variant="xlsx"),
    get("steering.portfolio", expect=STEERING, variant="try", query="try=1&select=1&select=2"),
    get("steering.portfolio_proposal", expect=STEERING),
    post(
        "steering.portfolio_proposal",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"budget": "2500000.00", "per_country": "1", "area_ceiling_TA1": "60", "marker_floor": "50"},
    ),
    get("steering.pipeline", expect=DASHBOARDS),
    get("steering.criteria", expect=FMU_ADMIN),
    post(
        "steering.criteria",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"rows-0-guidance_en": "Read the whole results matrix."},
    ),
    get(
        "steering.proposal",
        proposal("review"),
        answers(FORBIDDEN, outsiders=HIDDEN, viewer=HIDDEN, sc=OK, fmu=OK, admin=OK),
        secrets=("review",),
    ),
    post(
        "steering.assign",
        proposal("review"),
        answers(FORBIDDEN, outsiders=HIDDEN, viewer=HIDDEN, fmu=DONE, admin=DONE),
        form_page=page("steering.proposal", proposal_id="p:review"),
        owner="fmu",
        secrets=("review",),
        data=lambda w: {"due_on": (TODAY + timedelta(days=21)).isoformat()},
    ),
    post(
        "steering.declare_conflict",
        proposal("review"),
        answers(
            FORBIDDEN,
            outsiders=HIDDEN,
            viewer=HIDDEN,
            sc_member=DONE,
            sc_chair=DONE,
            sc_recused=DONE,
            sc_declared=KEPT,
        ),
        form_page=page("steering.proposal", proposal_id="p:review"),
        owner="sc_member",
        secrets=("review",),
        data=lambda w: {"reason": "My ministry funds a partner of this programme."},
    ),
    get(
        "steering.review",
        proposal("review"),
        answers(FORBIDDEN, outsiders=HIDDEN, viewer=HIDDEN, sc_member=OK, sc_chair=OK),
        secrets=("review",),
    ),
    post(
        "steering.review",
        proposal("review"),
        answers(FORBIDDEN, outsiders=HIDDEN, viewer=HIDDEN, sc_member=DONE, sc_chair=KEPT),
        owner="sc_member",
        secrets=("review",),
        data=lambda w: {"save": "Save draft", "comment": "First impressions."},
        extra={"score_all": "3"},
    ),
    post(
        "steering.waive_conflict",
        ids(conflict_id="conflict"),
        FMU_ADMIN_DO,
        form_page=page("steering.proposal", proposal_id="p:review"),
        owner="fmu",
        data=lambda w: {"reason": "The co-financing ended last year."},
    ),
    get("steering.committee", expect=STEERING),
    post(
        "steering.committee",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {
            "seat": w.ids["spare_seat"],
            "holder": w.ids["spare_member"],
            "alternate": 0,
            "starts_on": TODAY.isoformat(),
        },
    ),
    post(
        "steering.end_term",
        ids(term_id="term"),
        FMU_ADMIN_DO,
        form_page=page("steering.committee"),
        owner="fmu",
        data=lambda w: {"ends_on": (TODAY + timedelta(days=365)).isoformat(), "confirmed": "yes"},
    ),
    post(
        "steering.change_alternate",
        ids(term_id="term"),
        FMU_ADMIN_DO,
        form_page=page("steering.committee"),
        owner="fmu",
        data=lambda w: {"alternate": str(w.ids["spare_member"])},  # their own term ended yesterday
    ),
    get("steering.meeting", ids(meeting_id="live_meeting"), STEERING),
    get("steering.meeting", ids(meeting_id="scheduled_meeting"), STEERING, variant="scheduled"),
    get("steering.new_meeting", expect=FMU_ADMIN),
    post(
        "steering.new_meeting",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"title": "Extraordinary meeting", "held_on": (TODAY + timedelta(days=30)).isoformat()},
    ),
    post(
        "steering.add_agenda",
        ids(meeting_id="scheduled_meeting"),
        FMU_ADMIN_DO,
        form_page=page("steering.meeting", meeting_id="scheduled_meeting"),
        owner="fmu",
        data=lambda w: {"proposals": str(w.proposals["review"])},
    ),
    post(
        "steering.remove_item",
        ids(meeting_id="live_meeting", item_id="pending_item"),
        FMU_ADMIN_DO,
        form_page=page("steering.meeting", meeting_id="live_meeting"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    post(
        "steering.attendance",
        ids(meeting_id="scheduled_meeting"),
        FMU_ADMIN_DO,
        form_page=page("steering.meeting", meeting_id="scheduled_meeting"),
        owner="fmu",
        data=lambda w: {"present": [str(w.users["sc_member"]), str(w.users["sc_chair"])]},
    ),
    post(
        "steering.designate_presiding",
        ids(meeting_id="scheduled_meeting"),
        answers(FORBIDDEN, sc_chair=DONE, fmu=DONE, admin=DONE),  # whoever runs the meeting
        form_page=page("steering.meeting", meeting_id="scheduled_meeting"),
        owner="fmu",
        data=lambda w: {"member": str(w.users["sc_member"])},
    ),
    post(
        "steering.start_meeting",
        ids(meeting_id="scheduled_meeting"),
        answers(FORBIDDEN, sc_chair=DONE, fmu=DONE, admin=DONE),
        form_page=page("steering.meeting", meeting_id="scheduled_meeting"),
        owner="fmu",
    ),
    post(
        "steering.end_meeting",
        ids(meeting_id="live_meeting"),
        # an item is still open for votes: those who may end the meeting are refused, nothing changes
        answers(FORBIDDEN, sc_chair=KEPT, fmu=KEPT, admin=KEPT),
        form_page=page("steering.meeting", meeting_id="live_meeting"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    post(
        "steering.cancel_meeting",
        ids(meeting_id="scheduled_meeting"),
        FMU_ADMIN_DO,
        form_page=page("steering.meeting", meeting_id="scheduled_meeting"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    get("steering.board", ids(meeting_id="live_meeting"), STEERING),
    get("steering.board_data", ids(meeting_id="live_meeting"), STEERING),
    post(
        "steering.vote",
        ids(meeting_id="live_meeting", item_id="open_item"),
        # the fund decides by consensus: members state positions, every vote is refused
        answers(FORBIDDEN, sc_member=KEPT, sc_chair=KEPT, sc_recused=KEPT, sc_declared=KEPT),
        data=lambda w: {"choice": "approve"},
    ),
    post(
        "steering.position",
        ids(meeting_id="live_meeting", item_id="open_item"),
        # a position may be changed while the item is open (the chair had stated a reservation)
        answers(FORBIDDEN, sc_member=DONE, sc_chair=DONE, sc_recused=KEPT, sc_declared=KEPT),
        form_page=page("steering.board", meeting_id="live_meeting"),
        owner="sc_member",
        data=lambda w: {"stance": "support"},
    ),
    post(
        "steering.open_item",
        ids(meeting_id="live_meeting", item_id="pending_item"),
        # another item is open: those who may open items are refused, nothing changes
        answers(FORBIDDEN, sc_chair=KEPT, fmu=KEPT, admin=KEPT),
        form_page=page("steering.board", meeting_id="live_meeting"),
        owner="fmu",
    ),
    post(
        "steering.close_item",
        ids(meeting_id="live_meeting", item_id="open_item"),
        answers(FORBIDDEN, sc_chair=DONE, fmu=DONE, admin=DONE),
        form_page=page("steering.board", meeting_id="live_meeting"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    get(
        "steering.decide",
        ids(meeting_id="live_meeting", item_id="closed_item"),
        answers(FORBIDDEN, sc_chair=OK, fmu=OK, admin=OK),
    ),
    post(
        "steering.decide",
        ids(meeting_id="live_meeting", item_id="closed_item"),
        answers(FORBIDDEN, sc_chair=DONE, fmu=DONE, admin=DONE),
        owner="fmu",
        data=lambda w: {"outcome": "approve"},
    ),
    post(
        "steering.pack",
        ids(meeting_id="live_meeting"),
        asks(STEERING),
        owner="fmu",
        form_page=page("steering.meeting", meeting_id="live_meeting"),
    ),
    get("steering.minutes", ids(meeting_id="past_meeting"), STEERING),
    get("steering.minutes_record", ids(meeting_id="past_meeting"), STEERING),
    post(
        "steering.minutes_record",
        ids(meeting_id="past_meeting"),
        FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"summary": "The chair opened the meeting."},
    ),
    get("steering.new_minutes_procedure", ids(meeting_id="past_meeting"), FMU_ADMIN),
    post(
        "steering.new_minutes_procedure",
        ids(meeting_id="past_meeting"),
        FMU_ADMIN_DO,
        owner="fmu",
        # the draft minutes circulated for approval by written procedure
        data=lambda w: {
            "rationale": "No meeting before December.",
            "deadline": (TODAY + timedelta(days=14)).isoformat(),
        },
    ),
    post(
        "steering.approve_minutes",
        ids(meeting_id="live_meeting", minutes_id="past_minutes"),
        # in the meeting under way, whoever runs it records the approval; the chair, present, signs
        answers(FORBIDDEN, sc_chair=DONE, fmu=DONE, admin=DONE),
        form_page=page("steering.meeting", meeting_id="live_meeting"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    get(
        "steering.decide_matter",
        ids(meeting_id="live_meeting"),
        answers(FORBIDDEN, sc_chair=OK, fmu=OK, admin=OK),
    ),
    post(
        "steering.decide_matter",
        ids(meeting_id="live_meeting"),
        # in the meeting under way, whoever runs it records what the committee decides on a matter of the fund
        answers(FORBIDDEN, sc_chair=DONE, fmu=DONE, admin=DONE),
        owner="fmu",
        data=lambda w: {"subject": "allocation_targets", "outcome": "approve", "matter": "Adopted.", "call": "0"},
    ),
    get("steering.new_procedure", expect=FMU_ADMIN),
    post(
        "steering.new_procedure",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {
            "proposal": str(w.proposals["review"]),
            "outcome": "endorse",
            "rationale": "Endorse it for the pipeline.",
            "deadline": (TODAY + timedelta(days=14)).isoformat(),
        },
    ),
    get("steering.new_matter_procedure", expect=FMU_ADMIN),
    post(
        "steering.new_matter_procedure",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        # a matter of the fund circulated between meetings: the direct costs, charged once adopted
        data=lambda w: {
            "subject": "direct_costs",
            "outcome": "approve",
            "matter": "The Steering Committee approves the direct costs for 2027.",
            "amount": "1000",
            "call": "0",
            "rationale": "The budget is attached.",
            "deadline": (TODAY + timedelta(days=14)).isoformat(),
        },
    ),
    get("steering.procedure", ids(procedure_id="procedure"), STEERING),
    post(
        "steering.answer_procedure",
        ids(procedure_id="procedure"),
        answers(FORBIDDEN, sc_member=DONE, sc_chair=DONE, sc_recused=KEPT, sc_declared=KEPT),
        form_page=page("steering.procedure", procedure_id="procedure"),
        owner="sc_member",
        data=lambda w: {"objects": "no"},
    ),
    post(
        "steering.conclude_procedure",
        ids(procedure_id="procedure"),
        # its deadline has not passed: the FMU and administrators are refused, nothing changes
        answers(FORBIDDEN, fmu=KEPT, admin=KEPT),
        form_page=page("steering.procedure", procedure_id="procedure"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    post(
        "steering.withdraw_procedure",
        ids(procedure_id="procedure"),
        FMU_ADMIN_DO,
        form_page=page("steering.procedure", procedure_id="procedure"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    get("steering.decision", ids(decision_id="decision"), FUNDED_READ, secrets=("active",)),
    # --- Results ---
    get("results.programmes"),
    get("results.programmes_export", lambda w: {"fmt": "csv"}, variant="csv", query="state=active"),
    get("results.programmes_export", lambda w: {"fmt": "xlsx"}, variant="xlsx"),
    get("results.reports", expect=answers(FORBIDDEN, agencies=OK, fmu=OK, admin=OK)),
    get("results.overdue_export", lambda w: {"fmt": "csv"}, answers(FORBIDDEN, fmu=OK, admin=OK), variant="csv"),
    get("results.overdue_export", lambda w: {"fmt": "xlsx"}, answers(FORBIDDEN, fmu=OK, admin=OK), variant="xlsx"),
    get("results.framework"),
    get("results.annual"),
    *[
        post(
            "results.annual_file",
            lambda w, kind=kind: {"year": TODAY.year, "kind": kind},
            asks(SIGNED_IN),
            variant=kind,
            query="lang=en",
            owner="fmu",
            form_page=page("results.annual"),
        )
        for kind in ("pdf", "xlsx")
    ],
    # --- Jobs: a document is its asker's (and administrators') ---
    get("jobs.mine"),
    get("jobs.mine_export", lambda w: {"fmt": "csv"}, SIGNED_IN, variant="csv", query="state=done"),
    get("jobs.mine_export", lambda w: {"fmt": "xlsx"}, SIGNED_IN, variant="xlsx"),
    get("jobs.job", ids(job_id="annual_pdf_job"), MY_JOB),
    *[
        get("jobs.file", ids(job_id=key), MY_JOB, variant=variant)
        for key, variant in (("annual_pdf_job", "pdf"), ("annual_xlsx_job", "xlsx"), ("pack_job", "pack-pdf"))
    ],
    *[
        get(f"results.{name}", params, FMU_ADMIN)
        for name, params in (
            ("goal_edit", none),
            ("outcome_new", none),
            ("outcome_edit", ids(outcome_id="fund_outcome")),
            ("output_new", ids(outcome_id="fund_outcome")),
            ("output_edit", ids(output_id="fund_output")),
            ("indicator_new", none),
            ("indicator_edit", ids(indicator_id="fund_indicator")),
        )
    ],
    post(
        "results.goal_edit",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"goal_en": "Migration is safe, orderly and regular for all."},
    ),
    post(
        "results.outcome_new",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {
            "area": str(w.ids["area"]),
            "statement_en": "Migrants are included.",
            "statement_fr": "Les migrants sont inclus.",
            "statement_es": "Los migrantes están incluidos.",
        },
    ),
    post(
        "results.outcome_edit",
        ids(outcome_id="fund_outcome"),
        FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"statement_en": "A clearer outcome statement."},
    ),
    post(
        "results.output_new",
        ids(outcome_id="fund_outcome"),
        FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {
            "statement_en": "Officials trained.",
            "statement_fr": "Agents formés.",
            "statement_es": "Funcionarios capacitados.",
        },
    ),
    post(
        "results.output_edit",
        ids(output_id="fund_output"),
        FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"statement_en": "A clearer output statement."},
    ),
    post(
        "results.indicator_new",
        expect=FMU_ADMIN_DO,
        owner="fmu",
        form_page=lambda w: f"/results/framework/indicators/new?outcome={w.ids['fund_outcome']}",
        data=lambda w: {
            "name_en": "Cases handled",
            "name_fr": "Cas traités",
            "name_es": "Casos tratados",
            "unit_en": "cases",
            "unit_fr": "cas",
            "unit_es": "casos",
        },
    ),
    post(
        "results.indicator_edit",
        ids(indicator_id="fund_indicator"),
        FMU_ADMIN_DO,
        owner="fmu",
        data=lambda w: {"target": "5000"},
    ),
    post(
        "results.indicator_retire",
        ids(indicator_id="fund_indicator"),
        FMU_ADMIN_DO,
        form_page=page("results.indicator_edit", indicator_id="fund_indicator"),
        owner="fmu",
        data=lambda w: {"retired": "1", "confirmed": "yes"},
    ),
    get("results.programme", ids(programme_id="programme"), FUNDED_READ, secrets=("active",)),
    get("results.links", ids(programme_id="programme"), RESULTS_MANAGE_READ, secrets=("active",)),
    post(
        "results.links",
        ids(programme_id="programme"),
        RESULTS_MANAGE_WRITE,
        owner="fmu",
        secrets=("active",),
        data=lambda w: {},
        extra={"link_first": True},
    ),
    get("results.programme_start", ids(programme_id="programme"), RESULTS_MANAGE_READ, secrets=("active",)),
    post(
        "results.programme_start",
        ids(programme_id="programme"),
        RESULTS_MANAGE_WRITE,
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"start": w.extra["programme_start"], "reason": "Agreed with the organizations."},
    ),
    # operational closure: its final report is not accepted, so the FMU's closure is refused (kept)
    get("results.close", proposal("active"), RESULTS_MANAGE_READ, secrets=("active",)),
    post(
        "results.close",
        proposal("active"),
        answers(FORBIDDEN, outsiders=HIDDEN, fmu=KEPT, admin=KEPT),
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"closed_on": TODAY.isoformat(), "activities_ended": "y"},
    ),
    # no-cost extensions: the lead agency asks (one is already waiting: kept); the FMU decides the waiting one
    get(
        "results.extension_request",
        ids(programme_id="programme"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=OK),
        secrets=("active",),
    ),
    post(
        "results.extension_request",
        ids(programme_id="programme"),
        answers(FORBIDDEN, outsiders=HIDDEN, agency_lead=KEPT),
        owner="agency_lead",
        secrets=("active",),
        data=lambda w: {"new_end_date": "2031-12-31", "reason": "The rains came late."},
    ),
    get(
        "results.extension",
        ids(extension_id="extension"),
        answers(HIDDEN, agency_lead=OK, sc=OK, sc_recused=HIDDEN, fmu=OK, admin=OK),
        secrets=("active",),
    ),
    post(
        "results.extension",
        ids(extension_id="extension"),
        answers(HIDDEN, agency_lead=FORBIDDEN, sc=FORBIDDEN, sc_recused=HIDDEN, fmu=DONE, admin=DONE),
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"decision": "approve", "note": "Agreed."},
    ),
    get("results.period_new", ids(programme_id="programme"), RESULTS_MANAGE_READ, secrets=("active",)),
    post(
        "results.period_new",
        ids(programme_id="programme"),
        RESULTS_MANAGE_WRITE,
        owner="fmu",
        secrets=("active",),
        data=lambda w: {
            "start": w.extra["next_period"][0],
            "end": w.extra["next_period"][1],
            "due": w.extra["next_period"][2],
        },
    ),
    get("results.period_dates", period("open_period"), RESULTS_MANAGE_READ, secrets=("active",)),
    post(
        "results.period_dates",
        period("open_period"),
        RESULTS_MANAGE_WRITE,
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"due": w.extra["later_due"]},
    ),
    post(
        "results.period_remove",
        period("open_period"),
        RESULTS_MANAGE_WRITE,
        form_page=page("results.programme", programme_id="programme"),
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"confirmed": "yes"},
    ),
    get("results.period", period("accepted_period"), FUNDED_READ, variant="accepted", secrets=("active",)),
    get("results.period", period("draft_period"), UNPUBLISHED_READ, variant="draft", secrets=("active",)),
    get(
        "results.report_edit",
        period("draft_period"),
        answers(HIDDEN, agency_lead=OK, fmu=FORBIDDEN, admin=FORBIDDEN),
        secrets=("active",),
    ),
    post(
        "results.report_edit",
        period("draft_period"),
        LEAD_REPORTS,
        owner="agency_lead",
        secrets=("active",),
        data=lambda w: {"lessons": "Work with municipalities from the start."},
    ),
    post(
        "results.report_submit",
        period("draft_period"),
        LEAD_REPORTS,
        form_page=page("results.period", programme_id="programme", number="draft_period"),
        owner="agency_lead",
        secrets=("active",),
    ),
    post(
        "results.report_review",
        period("submitted_period"),
        answers(HIDDEN, agency_lead=FORBIDDEN, fmu=DONE, admin=FORBIDDEN),
        form_page=page("results.period", programme_id="programme", number="submitted_period"),
        owner="fmu",
        secrets=("active",),
        data=lambda w: {"decision": "accepted", "confirmed": "yes"},
    ),
    post(
        "results.evidence_upload",
        period("draft_period"),
        LEAD_REPORTS,
        form_page=page("results.period", programme_id="programme", number="draft_period"),
        owner="agency_lead",
        secrets=("active",),
        data=lambda w: {"file": pdf_file("photos.pdf"), "caption": "Photos of the centre"},
    ),
    get(
        "results.evidence",
        period("accepted_period", evidence_id="accepted_evidence"),
        FUNDED_READ,
        variant="accepted",
        secrets=("active",),
    ),
    get(
        "results.evidence",
        period("draft_period", evidence_id="draft_evidence"),
        UNPUBLISHED_READ,
        variant="draft",
        secrets=("active",),
    ),
    post(
        "results.evidence_remove",
        period("draft_period", evidence_id="draft_evidence"),
        LEAD_REPORTS,
        form_page=page("results.period", programme_id="programme", number="draft_period"),
        owner="agency_lead",
        secrets=("active",),
        data=lambda w: {"confirmed": "yes"},
    ),
    *[
        get(f"results.{name}", period("accepted_period"), FUNDED_READ, variant="accepted", secrets=("active",))
        for name in ("report_pdf", "report_xlsx")
    ],
    *[
        get(f"results.{name}", period("draft_period"), UNPUBLISHED_READ, variant="draft", secrets=("active",))
        for name in ("report_pdf", "report_xlsx")
    ],
    # --- Notifications: one's own list and settings; the lead agency's newest notification is hers alone.
    # "Mark all read" changes something for whoever the world told something (not UNDP, viewers, admins). ---
    # --- Calls for proposals: drafts known to the FMU and administrators only; the open list to anyone ---
    get("calls.list"),
    get("calls.export", lambda w: {"fmt": "csv"}, variant="csv", query="status=published"),
    get("calls.export", lambda w: {"fmt": "xlsx"}, variant="xlsx"),
    get("calls.public", expect=EVERYONE),
    get("calls.new", expect=FMU_ADMIN),
    post("calls.new", expect=FMU_ADMIN_DO, owner="fmu", data=lambda w: CALL_FORM),
    get("calls.detail", ids(call_id="open_call"), variant="open"),
    get("calls.detail", ids(call_id="draft_call"), CALL_DRAFT_READ, variant="draft"),
    get(
        "calls.proposals_export",
        lambda w: {"fmt": "csv", "call_id": w.ids["open_call"]},
        SIGNED_IN,
        variant="open-csv",
        query="status=submitted",
    ),
    get(
        "calls.proposals_export",
        lambda w: {"fmt": "xlsx", "call_id": w.ids["open_call"]},
        SIGNED_IN,
        variant="open-xlsx",
    ),
    get(
        "calls.proposals_export",
        lambda w: {"fmt": "csv", "call_id": w.ids["draft_call"]},
        CALL_DRAFT_READ,
        variant="draft-csv",
    ),
    get(
        "calls.proposals_export",
        lambda w: {"fmt": "xlsx", "call_id": w.ids["draft_call"]},
        CALL_DRAFT_READ,
        variant="draft-xlsx",
    ),
    get("calls.edit", ids(call_id="draft_call"), CALL_DRAFT_READ),
    post("calls.edit", ids(call_id="draft_call"), CALL_DRAFT_WRITE, owner="fmu", data=lambda w: CALL_FORM),
    post(
        "calls.publish",
        ids(call_id="draft_call"),
        CALL_DRAFT_WRITE,
        form_page=page("calls.detail", call_id="draft_call"),
        owner="fmu",
    ),
    post(
        "calls.close",
        ids(call_id="open_call"),
        FMU_ADMIN_DO,
        form_page=page("calls.detail", call_id="open_call"),
        owner="fmu",
        data=lambda w: {"confirmed": "yes"},
    ),
    get("calls.proposal_call", proposal("draft"), DRAFT_EDIT, secrets=("draft",)),
    post(
        "calls.proposal_call",
        proposal("draft"),
        DRAFT_WRITE,
        owner="agency_lead",
        secrets=("draft",),
        data=lambda w: {"call": str(w.ids["open_call"])},
    ),
    get("notifications.list"),
    get("notifications.export", lambda w: {"fmt": "csv"}, SIGNED_IN, variant="csv", query="read=unread"),
    get("notifications.export", lambda w: {"fmt": "xlsx"}, SIGNED_IN, variant="xlsx"),
    post(
        "notifications.open",
        newest_notification("agency_lead"),
        answers(HIDDEN, agency_lead=DONE),
        form_page=lambda w: "/notifications/",
        owner="agency_lead",
    ),
    post(
        "notifications.read_all",
        expect=answers(DONE, agency_other=KEPT, viewer=KEPT, admin=KEPT, reviewer=KEPT),
        form_page=lambda w: "/notifications/",
        owner="agency_lead",
    ),
    get("notifications.preferences"),
    post(
        "notifications.preferences",
        # viewers, administrators and technical reviewers receive no notification
        expect=answers(DONE, viewer=KEPT, admin=KEPT, reviewer=KEPT),
        owner="fmu",
        data=lambda w: {"meeting_scheduled": "digest", "decision_taken": "digest"},
    ),
    get("steering.decision_letter", ids(decision_id="decision"), FUNDED_READ, secrets=("active",)),
    get(
        "steering.verify_decision",
        ids(decision_id="decision"),
        answers(FORBIDDEN, outsiders=HIDDEN, fmu=OK, admin=OK),
        secrets=("active",),
    ),
    # --- Deadlines: the FMU's page, and "send a reminder now" to those who have not done their part (the review
    # proposal's member who has not scored, the procedure's members who have not answered, the draft report's lead) ---
    get("deadlines.index", expect=FMU_ADMIN),
    *[
        post(endpoint, params, FMU_ADMIN_DO, form_page=lambda w: "/deadlines/", owner="fmu", secrets=secrets)
        for endpoint, params, secrets in (
            ("deadlines.remind_scoring", proposal("review"), ("review",)),
            ("deadlines.remind_procedure", ids(procedure_id="procedure"), ("procedure",)),
            ("deadlines.remind_report", period("draft_period"), ("active",)),
        )
    ],
]

IGNORED_ENDPOINTS = frozenset({"static", "bootstrap.static"})

# --- What each role may know -----------------------------------------------------------------------

IOM = frozenset(k for k in ("draft", "submitted", "screening", "review", "vote", "decide", "pending", "procedure",
                            "active"))  # fmt: skip
EVERY_PROPOSAL = IOM | {"other_draft"}
NOT_YET_IN_REVIEW = frozenset({"draft", "other_draft", "submitted", "screening"})
# The proposals a role may not open (Proposal.can_view): guessing their ids must tell nothing.
UNKNOWN = {
    "anonymous": EVERY_PROPOSAL,
    "agency_lead": frozenset({"other_draft"}),
    "agency_other": IOM,
    **dict.fromkeys(SC, NOT_YET_IN_REVIEW),
    "fmu": frozenset(),
    "viewer": EVERY_PROPOSAL - {"active"},
    "admin": frozenset(),
    "reviewer": EVERY_PROPOSAL - {"screening"},  # invited on the proposal in screening only
}
# Titles a role must never read anywhere (a funded programme is published, e.g. in the annual report and, for
# anyone without signing in, on the fund's public page and in its IATI file).
NEVER_SHOWN = UNKNOWN | {
    "agency_other": IOM - {"active"},
    "anonymous": EVERY_PROPOSAL - {"active"},
    "reviewer": EVERY_PROPOSAL - {"screening", "active"},
}
# Proposals whose content (beyond the title) a recused member must never read.
RECUSED_FROM = {"sc_recused": IOM, "sc_declared": frozenset({"review", "vote", "decide", "pending", "procedure"})}


def doer(case: Case) -> str:
    """The role a POST is for: one it succeeds for, else the one whose form it is, else one it is refused to
    without a 403 (a vote where the committee decides by consensus: no form, refused to every member)."""
    done = next((role for role, answer in case.expect.items() if answer == DONE), None)
    if done or case.owner or case.expect.get("fmu") == KEPT:
        return done or case.owner or "fmu"
    return next((role for role, answer in case.expect.items() if answer == KEPT), "fmu")
