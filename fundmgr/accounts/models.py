"""Organizations and users."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, UserMixin

from fundmgr import clock
from fundmgr.choices import TitledEnum
from fundmgr.db import Base
from fundmgr.i18n import localize


class OrganizationKind(TitledEnum):
    """What kind of body an organization is."""

    un_entity = "un_entity"
    donor = "donor"
    government = "government"
    civil_society = "civil_society"
    other = "other"


ORGANIZATION_KIND_TITLES = {
    OrganizationKind.un_entity: _l("UN entity"),
    OrganizationKind.donor: _l("Donor"),
    OrganizationKind.government: _l("Government"),
    OrganizationKind.civil_society: _l("Civil society"),
    OrganizationKind.other: _l("Other"),
}
OrganizationKind.set_titles(ORGANIZATION_KIND_TITLES)


class Organization(Base):
    """A UN entity, government, donor or other body; names in several languages."""

    __tablename__ = "organizations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    kind: so.Mapped[OrganizationKind]
    acronym: so.Mapped[dict[str, str]]
    name: so.Mapped[dict[str, str]]

    @property
    def label(self) -> str:
        """The acronym in the current language."""
        return localize(self.acronym) or self.code

    @property
    def full_name(self) -> str:
        return localize(self.name)

    def __repr__(self) -> str:
        return f"<Organization {self.code}>"


class Role(TitledEnum):
    """What a person may do: administrator on the installation, any other role on one fund (`FundRole`)."""

    admin = "admin"
    fmu = "fmu"
    sc_member = "sc_member"
    agency = "agency"
    viewer = "viewer"
    technical_reviewer = "technical_reviewer"


ROLE_TITLES = {
    Role.admin: _l("Administrator"),
    Role.fmu: _l("Fund Management Unit"),
    Role.sc_member: _l("Steering Committee member"),
    Role.agency: _l("Agency (funded organization)"),
    Role.viewer: _l("Viewer"),
    Role.technical_reviewer: _l("Technical reviewer"),
}
Role.set_titles(ROLE_TITLES)


class User(UserMixin, Base):
    """A person who signs in. A committee member's constituency is that of the seat they hold (`funds.seats`)."""

    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[Role]
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    is_active_account: so.Mapped[bool] = so.mapped_column(default=True)
    # Changes on password change or reset; part of the session so old sessions end.
    session_token: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    last_login_at: so.Mapped[datetime | None]

    organization: so.Mapped[Organization] = so.relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot sign in
        return self.is_active_account

    def get_id(self) -> str:
        """Session identifier: the id and the session token, so a password change ends old sessions."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        """An administrator of the whole installation; every other role is held per fund (fundmgr.funds.rights)."""
        return self.role is Role.admin

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class AnonymousUser(AnonymousUserMixin):
    """The visitor who has not signed in: answers every role question with no."""

    id = None
    role = None
    locale = None
    organization_id = None
    is_admin = False
    fund_roles: list = []


class TokenScope(TitledEnum):
    """What an API token may do: read only, or also write (submit expenditure, indicator values, reports)."""

    read = "read"
    read_write = "read_write"


TOKEN_SCOPE_TITLES = {
    TokenScope.read: _l("Read only"),
    TokenScope.read_write: _l("Read and write"),
}
TokenScope.set_titles(TOKEN_SCOPE_TITLES)


class ApiToken(Base):
    """A personal token for the JSON API: acts as its owner, with the owner's roles on each fund.

    Only the sha256 of the secret is kept (the secret is shown once, when made); `prefix` lets the owner tell
    their tokens apart. A token is usable until it expires or is revoked.
    """

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(16))
    scope: so.Mapped[TokenScope]
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    expires_at: so.Mapped[datetime]
    revoked_at: so.Mapped[datetime | None]
    last_used_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship(lazy="joined")

    audit_type = "api_token"

    @property
    def may_write(self) -> bool:
        return self.scope is TokenScope.read_write

    def can_revoke(self, user: object) -> bool:
        """Only its owner revokes a token (administrators end a person's access by deactivating the account)."""
        return getattr(user, "id", None) == self.user_id and self.revoked_at is None
