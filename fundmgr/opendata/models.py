"""What the FMU approved for publication on a fund's public page: annual reports (frozen PDFs in each language)
and the public summaries of the Steering Committee's decisions. Nothing else of the fund's documents is public."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base
from fundmgr.funds.models import Fund
from fundmgr.i18n import localize
from fundmgr.steering.models import Decision


class PublicationKind(TitledEnum):
    """What is published: a year's annual results report, or a decision's public summary."""

    annual_report = "annual_report"
    decision_summary = "decision_summary"


PublicationKind.set_titles(
    {PublicationKind.annual_report: _l("Annual report"), PublicationKind.decision_summary: _l("Decision summary")}
)


class Publication(Base):
    """A document the FMU published on the fund's public page; withdrawn ones stay for the record, unseen."""

    __tablename__ = "publications"
    __table_args__ = (
        sa.CheckConstraint("(kind = 'annual_report') = (year IS NOT NULL)", name="year_iff_annual_report"),
        sa.CheckConstraint("(kind = 'decision_summary') = (decision_id IS NOT NULL)", name="decision_iff_summary"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), index=True)
    kind: so.Mapped[PublicationKind]
    year: so.Mapped[int | None]
    decision_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("decisions.id"), index=True)
    # A decision's public summary in every language: {en, fr, es} ({} for an annual report)
    summary: so.Mapped[dict[str, str]] = so.mapped_column(default=dict)
    published_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    published_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    withdrawn_at: so.Mapped[datetime | None]

    fund: so.Mapped[Fund] = so.relationship()
    decision: so.Mapped[Decision | None] = so.relationship()
    published_by: so.Mapped[User | None] = so.relationship()
    files: so.Mapped[list[PublicationFile]] = so.relationship(
        back_populates="publication", order_by="PublicationFile.language", cascade="all, delete-orphan"
    )

    audit_type = "publication"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None

    @property
    def label(self) -> str:
        if self.kind is PublicationKind.annual_report:
            return f"{self.kind.title} {self.year}"
        return f"{self.kind.title} {self.decision.reference if self.decision else ''}".strip()

    @property
    def summary_text(self) -> str:
        return localize(self.summary)


class PublicationFile(Base):
    """One language's PDF of a publication, frozen when it was published."""

    __tablename__ = "publication_files"
    __table_args__ = (sa.UniqueConstraint("publication_id", "language"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    publication_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("publications.id", ondelete="CASCADE"),
                                                      index=True)  # fmt: skip
    language: so.Mapped[str] = so.mapped_column(sa.String(8))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(80))

    publication: so.Mapped[Publication] = so.relationship(back_populates="files")
