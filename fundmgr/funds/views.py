"""Browsing a fund's definition and the reference data it uses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import Organization, OrganizationKind, Role, User
from fundmgr.accounts.operations import normalize_email
from fundmgr.choices import options
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds import operations as ops
from fundmgr.funds import queries as q
from fundmgr.funds.forms import EndRoleForm, GrantRoleForm
from fundmgr.funds.models import Fund, FundRole, RegionLevel
from fundmgr.funds.seats import rules_of
from fundmgr.lists import Column, Filter, ListExport, Listing, ListSpec, is_db_int, scalar
from fundmgr.web import FundView, db_int, refusals_shown_on, safe_next_url


class FundReferenceView(FundView):
    """Base for reference pages: they all show the current fund."""

    def load(self) -> None:
        self.fund: Fund | None = q.current_fund()
        if self.fund is None:
            abort(404)

    def render(self, template: str, **context):
        return render_template(f"funds/{template}", fund=self.fund, **context)


class FundOverviewView(FundReferenceView):
    """The fund: money rules, budget range, allocation targets, review settings."""

    def process(self):
        return self.render("overview.html", areas=q.active_areas(self.fund), committee_rules=rules_of(self.fund))


class ThematicAreasView(FundReferenceView):
    """The thematic areas and the objectives each one clusters."""

    def process(self):
        return self.render("areas.html", areas=q.active_areas(self.fund))


class ObjectivesView(FundReferenceView):
    """All objectives and the thematic areas they belong to."""

    def process(self):
        return self.render("objectives.html", objectives=q.active(self.fund.objectives))


class PrinciplesView(FundReferenceView):
    """The guiding principles."""

    def process(self):
        return self.render("principles.html", principles=q.active(self.fund.guiding_principles))


class MarkersView(FundReferenceView):
    """The marker scales."""

    def process(self):
        return self.render("markers.html", markers=q.active(self.fund.markers))


class BudgetCategoriesView(FundReferenceView):
    """The budget categories and the money rules that apply to budgets."""

    def process(self):
        return self.render("budget_categories.html", categories=q.active(self.fund.budget_categories))


class CriteriaView(FundReferenceView):
    """Scoring criteria and the screening checklist."""

    def process(self):
        return self.render(
            "criteria.html",
            criteria=q.active(self.fund.criteria),
            checks=q.active(self.fund.eligibility_checks),
        )


class OrganizationsView(FundReferenceView):
    """The organizations: participating UN organizations of the fund, donors and others."""

    def process(self):
        participating = {org.id for org in self.fund.participating_organizations}
        kinds = [(kind, q.organizations(self.fund, kind)) for kind in OrganizationKind]
        return self.render("organizations.html", kinds=kinds, participating=participating)


class CountriesView(FundReferenceView):
    """Countries and UN M49 regions, filterable by region."""

    def process(self):
        region = request.args.get("region", "")
        all_regions = q.regions()
        if region and region not in {r.code for r in all_regions}:
            region = ""
        return self.render(
            "countries.html",
            countries=q.countries(region or None),
            regions=q.regions(RegionLevel.region),
            subregions=[r for r in all_regions if r.level is not RegionLevel.region],
            selected=region,
        )


class SwitchFundView(FundView):
    """Work in another fund (one the person holds a role on)."""

    methods = ["POST"]
    fund_scoped = False

    def process(self):
        code = request.form.get("fund", "")
        if code in {fund.code for fund in q.my_funds()}:
            session["fund"] = code
        return redirect(safe_next_url(request.form.get("next")) or url_for("pages.home"))


FUND_ROLES = [role for role in Role if role is not Role.admin]


def holds_role(query: sa.Select, value: str, _ctx: Any) -> sa.Select:
    """People who hold this role on some fund (administrators hold theirs on every fund)."""
    if value == Role.admin.value:
        return query.where(User.role == Role.admin)
    return query.where(User.id.in_(sa.select(FundRole.user_id).where(FundRole.role == Role(value))))


def on_fund(query: sa.Select, value: str, _ctx: Any) -> sa.Select:
    """People who work on this fund: a role on it, or administrators."""
    holders = sa.select(FundRole.user_id).where(FundRole.fund_id == db_int(value))
    return query.where(sa.or_(User.id.in_(holders), User.role == Role.admin))


# Every person, by name, with their role on each fund (the administrators' page; the funds' columns are the page's).
PEOPLE = ListSpec(
    name="people",
    columns=(
        Column("name", _l("Name"), (User.name,), lambda u: u.name),
        Column("email", _l("E-mail"), (User.email,), lambda u: u.email, shown=False),
        Column("organization", _l("Organization"), scalar(Organization.code, Organization.id, User.organization_id),
               lambda u: u.organization.label),
    ),
    default_sort="name",
    tiebreak=(User.id,),
    search=(User.name, User.email),
    search_label=_l("Words in the name or e-mail"),
    filters=(
        Filter("role", _l("Role"), holds_role, lambda _c: [(r.value, str(r.title)) for r in Role],
               valid=lambda v: v in Role._value2member_map_),
        Filter("fund", _l("Fund"), on_fund, lambda _c: [(str(f.id), f.label) for f in q.all_funds()],
               valid=is_db_int),
    ),
)  # fmt: skip


class PeopleRolesView(FundView):
    """The administrators' list of people with their role on each fund, and the form that grants one."""

    methods = ["GET", "POST"]
    roles = (Role.admin,)
    fund_scoped = False  # about the installation: every fund at once

    def process(self):
        funds = q.all_funds()
        form = GrantRoleForm()
        form.fund.choices = options([(fund.id, fund.label) for fund in funds])
        if form.validate_on_submit():
            with refusals_shown_on(form):
                user = db.session.scalar(sa.select(User).where(User.email == normalize_email(form.email.data)))
                fund = next(f for f in funds if f.id == form.fund.data)
                ops.grant_role(user, fund, form.role.data, actor=current_user._get_current_object())
                flash(_("%(name)s now holds this role on %(fund)s.", name=user.name, fund=fund.label), "success")
                return redirect(url_for("funds.people"))
        listing = self.listing()
        return render_template(
            "funds/people.html", listing=listing, funds=funds, form=form, end_form=EndRoleForm(),
            roles=roles_of(listing.page.items),
        )  # fmt: skip

    export_title = _l("People and roles")

    def listing(self) -> Listing:
        return PEOPLE.listing(sa.select(User))

    def export_name(self) -> str:
        return "people-and-roles"

    def export_table(self, listing: Listing) -> tuple[list[Any], list[list[Any]]]:
        """The list's columns, then one column per fund: the role each person holds on it."""
        users, funds = listing.rows(), q.all_funds()
        header, rows = listing.table(users)
        held = roles_of(users)
        for user, row in zip(users, rows, strict=True):
            row += [role_on(user, fund, held) for fund in funds]
        return [*header, *(fund.label for fund in funds)], rows


def role_on(user: User, fund: Fund, held: dict[tuple[int, int], Role]) -> str:
    if user.is_admin:
        return str(Role.admin.title)
    role = held.get((user.id, fund.id))
    return str(role.title) if role is not None else ""


class PeopleExportView(ListExport, PeopleRolesView):
    """The filtered, sorted people and their roles on each fund as CSV or Excel."""


def roles_of(users: list[User]) -> dict[tuple[int, int], Role]:
    """The role each of the users holds on each fund, by (user id, fund id)."""
    held = db.session.scalars(sa.select(FundRole).where(FundRole.user_id.in_([u.id for u in users])))
    return {(h.user_id, h.fund_id): h.role for h in held}


class EndRoleView(FundView):
    """An administrator ends a person's role on a fund."""

    methods = ["POST"]
    roles = (Role.admin,)
    fund_scoped = False  # about the installation: every fund at once

    def load(self, user_id: int, fund_id: int) -> None:
        self.user = db.session.get(User, user_id) or abort(404)
        self.fund = db.session.get(Fund, fund_id) or abort(404)

    def process(self):
        if not EndRoleForm().validate_on_submit():
            raise ValidationFailed([_("The form expired; please try again.")])
        question = _("End the role of %(name)s on %(fund)s?", name=self.user.name, fund=self.fund.label)
        consequence = _("They can no longer work on this fund until an administrator grants them a role again.")
        if page := unconfirmed(question, consequence, back=url_for("funds.people")):
            return page
        ops.end_role(self.user, self.fund, actor=current_user._get_current_object())
        flash(_("%(name)s no longer holds a role on %(fund)s.", name=self.user.name, fund=self.fund.label), "success")
        return redirect(url_for("funds.people"))
