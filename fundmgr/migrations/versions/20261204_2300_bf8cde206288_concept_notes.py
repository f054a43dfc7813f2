"""concept notes: the two stages of the programme cycle (concept note, then programme document).

New columns on proposals (stage, concept_note_id, the concept note's case, geography, SDG targets, endorsement and
knowledge platform, a selection's deadline and amount, the programme document's M&E plan and sustainability), the
participants' indicative amounts, a selection's terms on decisions and written procedures, and the tables of
corridors, national partners, workplan activities and risks.

The data: every existing proposal becomes a programme document, and gets the concept note it would have come from:
a copy of its description, place, alignment, markers and organizations (each with its share of the budget as its
indicative amount), referenced as the programme with "-CN", submitted with the programme's first
version (copied as the note's version 1), and "selected". Plain SQL on the connection: no model is imported.

Downgrade keeps the concept notes as proposals (their "-CN" references say what they are; an upgrade links them to
their programme documents again) and drops the new columns and tables.

Revision ID: bf8cde206288
Revises: 01482030c4d1
Create Date: 2026-12-04 23:00:00.000000

"""

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

import fundmgr.db
from alembic import op

# revision identifiers, used by Alembic.
revision = "bf8cde206288"
down_revision = "01482030c4d1"
branch_labels = None
depends_on = None

MONEY = fundmgr.db.ScaledDecimal(precision=18, scale=2)


def proposal_columns() -> list[sa.Column]:
    return [
    sa.Column("stage", sa.Enum("concept_note", "programme_document", name="proposalstage", native_enum=False,
                               length=40), nullable=False, server_default="programme_document"),
    sa.Column("problem_statement", sa.Text(), nullable=False, server_default=""),
    sa.Column("theory_of_change", sa.Text(), nullable=False, server_default=""),
    sa.Column("global_scope", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("sdg_targets", sa.JSON(), nullable=False, server_default="[]"),
    sa.Column("cooperation_framework", sa.Text(), nullable=False, server_default=""),
    sa.Column("rc_endorsement", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("knowledge_platform", sa.Text(), nullable=False, server_default=""),
    sa.Column("development_deadline", sa.Date(), nullable=True),
    sa.Column("selected_amount", MONEY, nullable=True),
    sa.Column("me_plan", sa.Text(), nullable=False, server_default=""),
    sa.Column("sustainability", sa.Text(), nullable=False, server_default=""),
]  # fmt: skip


SELECTION_COLUMNS = ("development_deadline", "indicative_amount")
SUFFIX = "-CN"
# what a derived concept note copies of its programme, as is
COPIED = ("fund_id", "title", "summary", "country_id", "region_code", "primary_area_id", "duration_months",
          "start_date", "government_endorsement", "lead_organization_id", "created_by_id", "created_at",
          "submitted_at", "call_id")  # fmt: skip
# the proposal's link tables a concept note copies (each with one more key column)
LINKS = (("proposal_objectives", "objective_id"), ("proposal_principles", "principle_id"),
         ("proposal_countries", "country_id"))  # fmt: skip


def upgrade() -> None:
    for column in proposal_columns():
        op.add_column("proposals", column)
    add_concept_note_reference()
    op.create_index(op.f("ix_proposals_concept_note_id"), "proposals", ["concept_note_id"], unique=True)
    op.add_column("participants", sa.Column("indicative_amount", MONEY, nullable=True))
    for table in ("decisions", "written_procedures"):
        op.add_column(table, sa.Column("development_deadline", sa.Date(), nullable=True))
        op.add_column(table, sa.Column("indicative_amount", MONEY, nullable=True))
    create_tables()
    derive_concept_notes()


def add_concept_note_reference() -> None:
    """proposals.concept_note_id, without a rebuild of proposals on SQLite (see the calls revision); a column left
    by a downgrade on SQLite is reused."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if "concept_note_id" not in {c["name"] for c in sa.inspect(bind).get_columns("proposals")}:
            op.execute("ALTER TABLE proposals ADD COLUMN concept_note_id INTEGER "
                       "CONSTRAINT fk_proposals_concept_note_id_proposals REFERENCES proposals (id)")  # fmt: skip
        return
    op.add_column("proposals", sa.Column("concept_note_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_proposals_concept_note_id_proposals"), "proposals", "proposals",
                          ["concept_note_id"], ["id"])  # fmt: skip


def level() -> sa.Enum:
    return sa.Enum("low", "medium", "high", name="risklevel", native_enum=False, length=40)


def create_tables() -> None:
    def owned(name: str, *columns: sa.Column) -> None:
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("proposal_id", sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], name=op.f(f"fk_{name}_proposal_id_proposals"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        )  # fmt: skip
        op.create_index(op.f(f"ix_{name}_proposal_id"), name, ["proposal_id"], unique=False)

    owned("corridors")
    op.create_table(
        "corridor_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corridor_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("country_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["corridor_id"], ["corridors.id"], name=op.f("fk_corridor_stops_corridor_id_corridors"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["country_id"], ["countries.id"], name=op.f("fk_corridor_stops_country_id_countries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corridor_stops")),
        sa.UniqueConstraint("corridor_id", "position", name=op.f("uq_corridor_stops_corridor_id_position")),
    )  # fmt: skip
    op.create_index(op.f("ix_corridor_stops_corridor_id"), "corridor_stops", ["corridor_id"], unique=False)
    owned(
        "national_partners",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.Enum("government", "civil_society", "migrant_diaspora", "private_sector",
                                  name="partnerkind", native_enum=False, length=40), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
    )  # fmt: skip
    owned(
        "workplan_items",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("activity", sa.Text(), nullable=False),
        sa.CheckConstraint("year >= 1", name=op.f("ck_workplan_items_year_positive")),
    )
    owned(
        "risks",
        sa.Column("risk", sa.Text(), nullable=False),
        sa.Column("likelihood", level(), nullable=False),
        sa.Column("impact", level(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=300), nullable=False),
    )


# columns read or written as amounts and rates (stored scaled: integers on SQLite)
TYPED = {"total_amount": MONEY, "total": MONEY, "amount": MONEY, "indicative_amount": MONEY,
         "indirect_rate": fundmgr.db.ScaledDecimal(precision=12, scale=6)}  # fmt: skip


def table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c, TYPED.get(c)) for c in columns))


def derive_concept_notes() -> None:
    """Each existing proposal (now a programme document) gets its concept note, selected (see the docstring). A
    concept note kept by a downgrade ("-CN") is one again, linked to its programme document."""
    bind = op.get_bind()
    proposals = table("proposals", "id", "reference", "state", "stage", "version_count", "total_amount",
                      "concept_note_id", "updated_at", "withdrawal_reason", *COPIED)  # fmt: skip
    versions = table("proposal_versions", "id", "proposal_id", "number", "total")
    participants = table("participants", "id", "proposal_id", "organization_id", "indirect_rate",
                         "indicative_amount")  # fmt: skip
    markers = table("proposal_markers", "proposal_id", "marker_id", "level", "justification")
    if bind.dialect.name == "postgresql":  # rows stored with their ids (a restore) leave the sequences behind
        for name in ("proposals", "participants", "proposal_versions", "proposal_markers"):
            bind.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"GREATEST((SELECT max(id) FROM {name}), 1))"))  # fmt: skip
    by_reference = dict(bind.execute(sa.select(proposals.c.reference, proposals.c.id)).all())
    kept: dict[int, int] = {}  # programme id -> its concept note kept by a downgrade
    for reference, note_id in by_reference.items():
        if reference.endswith(SUFFIX):
            bind.execute(proposals.update().where(proposals.c.id == note_id).values(stage="concept_note"))
            programme_id = by_reference.get(reference.removesuffix(SUFFIX))
            if programme_id is not None:
                kept[programme_id] = note_id
    existing = bind.execute(sa.select(proposals).where(proposals.c.stage == "programme_document")
                            .order_by(proposals.c.id)).mappings().all()  # fmt: skip
    for row in existing:
        amounts = indicative_amounts(row["id"])
        for org_id, amount in amounts.items():
            bind.execute(participants.update().where(participants.c.proposal_id == row["id"],
                         participants.c.organization_id == org_id).values(indicative_amount=amount))  # fmt: skip
        if row["id"] in kept:
            note_id = kept[row["id"]]
            bind.execute(proposals.update().where(proposals.c.id == row["id"]).values(concept_note_id=note_id))
            for org_id, amount in amounts.items():
                bind.execute(participants.update().where(participants.c.proposal_id == note_id,
                             participants.c.organization_id == org_id).values(indicative_amount=amount))  # fmt: skip
            continue
        first = bind.execute(sa.select(versions).where(versions.c.proposal_id == row["id"])
                             .order_by(versions.c.number).limit(1)).mappings().first()  # fmt: skip
        submitted = first is not None
        note_id = bind.execute(
            proposals.insert().values(
                reference=f"{row['reference']}{SUFFIX}", stage="concept_note",
                state="selected" if submitted else "draft", version_count=1 if submitted else 0,
                total_amount=first["total"] if submitted else row["total_amount"], updated_at=row["updated_at"],
                withdrawal_reason="", **{c: row[c] for c in COPIED},
            ).returning(proposals.c.id)
        ).scalar_one()  # fmt: skip
        bind.execute(proposals.update().where(proposals.c.id == row["id"]).values(concept_note_id=note_id))
        for name, key in LINKS:
            link = table(name, "proposal_id", key)
            for (value,) in bind.execute(sa.select(link.c[key]).where(link.c.proposal_id == row["id"])):
                bind.execute(link.insert().values(proposal_id=note_id, **{key: value}))
        for marker in bind.execute(sa.select(markers).where(markers.c.proposal_id == row["id"])).mappings():
            bind.execute(markers.insert().values(**{**marker, "proposal_id": note_id}))
        for p in bind.execute(sa.select(participants).where(participants.c.proposal_id == row["id"])).mappings():
            bind.execute(participants.insert().values(
                proposal_id=note_id, organization_id=p["organization_id"], indirect_rate=p["indirect_rate"],
                indicative_amount=amounts.get(p["organization_id"]),
            ))  # fmt: skip
        if submitted:  # copied in the database: the snapshot stays the JSON it is
            bind.execute(sa.text(
                "INSERT INTO proposal_versions (proposal_id, number, submitted_at, submitted_by_id, snapshot, "
                "direct_total, indirect_total, total) SELECT :note, 1, submitted_at, submitted_by_id, snapshot, "
                "direct_total, indirect_total, total FROM proposal_versions WHERE id = :first"
            ).bindparams(note=note_id, first=first["id"]))  # fmt: skip


def indicative_amounts(programme_id: int) -> dict[int, Decimal]:
    """Each organization's share of the programme's budget: direct costs plus indirect costs at its rate, rounded
    to the cent as fundmgr.proposals.budget does."""
    bind = op.get_bind()
    lines = table("budget_lines", "proposal_id", "organization_id", "amount")
    participants = table("participants", "proposal_id", "organization_id", "indirect_rate")
    direct: dict[int, Decimal] = {}
    for org_id, amount in bind.execute(sa.select(lines.c.organization_id, lines.c.amount)
                                       .where(lines.c.proposal_id == programme_id)):  # fmt: skip
        direct[org_id] = direct.get(org_id, Decimal("0.00")) + amount
    rates = bind.execute(sa.select(participants.c.organization_id, participants.c.indirect_rate)
                         .where(participants.c.proposal_id == programme_id))  # fmt: skip
    return {
        org_id: direct.get(org_id, Decimal("0.00"))
        + (direct.get(org_id, Decimal("0.00")) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        for org_id, rate in rates
    }


def downgrade() -> None:
    bind = op.get_bind()
    # the concept notes stay, as proposals whose reference ends in "-CN" (the upgrade recognises them): nothing the
    # committee decided on them is lost
    op.execute("UPDATE proposals SET concept_note_id = NULL")
    for name in ("risks", "workplan_items", "national_partners", "corridor_stops", "corridors"):
        if name != "corridor_stops":
            op.drop_index(op.f(f"ix_{name}_proposal_id"), table_name=name)
        else:
            op.drop_index(op.f("ix_corridor_stops_corridor_id"), table_name=name)
        op.drop_table(name)
    op.drop_index(op.f("ix_proposals_concept_note_id"), table_name="proposals")
    sqlite = bind.dialect.name == "sqlite"
    for name in ("decisions", "written_procedures"):
        for column in SELECTION_COLUMNS:
            op.execute(f"ALTER TABLE {name} DROP COLUMN {column}") if sqlite else op.drop_column(name, column)
    if sqlite:
        op.execute("ALTER TABLE participants DROP COLUMN indicative_amount")
        for column in proposal_columns():
            op.execute(f"ALTER TABLE proposals DROP COLUMN {column.name}")
        # concept_note_id references proposals: it goes only with a rebuild; left in place, empty (reused above)
        return
    op.drop_column("participants", "indicative_amount")
    op.drop_constraint(op.f("fk_proposals_concept_note_id_proposals"), "proposals", type_="foreignkey")
    op.drop_column("proposals", "concept_note_id")
    for column in proposal_columns():
        op.drop_column("proposals", column.name)
