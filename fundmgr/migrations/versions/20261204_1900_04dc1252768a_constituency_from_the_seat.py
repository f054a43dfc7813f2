"""constituency from the seat: drop users.constituency (a member's constituency is that of the seat they hold) and
the quorum shares no code reads since the quorum is counted on seats (funds.quorum_share, meetings.quorum_share);
what a fund calls the organizations it finances comes from its definition (funds.participants_title).

Data: every Steering Committee member with a constituency holds a running seat of that constituency on the
committee of each fund they are a member of; one who holds none gets a seat never held yet (of the seat kind their
constituency names, else another of the constituency, else a new seat), for a term from the fund's establishment.
On SQLite, `users` is rebuilt (a CHECK constraint names the column) with foreign keys off: dropping the old table
with them on would delete every row referring to a person (their roles, sessions, seats).

Every existing fund gets the Migration MPTF's wording ("Participating UN Organization(s)", what the app wrote
until now), and its definition is read again at its next `flask fund load` (which writes the fund's own).

Downgrade: the columns come back; a member's constituency is read back from their seat (chair, UN entities, donor
or champion seats, stakeholders), a member without a seat is `un_network`. On SQLite the CHECK constraint is not
put back (a rebuild for a check the earlier code never breaks).

Revision ID: 04dc1252768a
Revises: e5a7c3d19b42
Create Date: 2026-12-04 19:00:00.000000

"""

from datetime import date

import sqlalchemy as sa
from alembic import op

import fundmgr.db
from fundmgr.migrating import foreign_keys_off

# revision identifiers, used by Alembic.
revision = "04dc1252768a"
down_revision = "e5a7c3d19b42"
branch_labels = None
depends_on = None

CHECK = "ck_users_constituency_iff_sc_member"
FIRST_TERMS = date(2019, 5, 8)  # a fund without an establishment date: as the seats revision did
# users.constituency -> (committee constituency code, seat code prefix, the constituency's names); frozen here.
CONSTITUENCIES = {
    "chair": ("chair", "CHAIR", {"en": "Chair", "fr": "Présidence", "es": "Presidencia"}),
    "un_network": ("un_entities", "UN-", {"en": "UN entities", "fr": "Entités des Nations Unies",
                                          "es": "Entidades de las Naciones Unidas"}),
    "donor": ("member_states", "MS-DONOR-", {"en": "Member States", "fr": "États Membres", "es": "Estados Miembros"}),
    "member_state": ("member_states", "MS-CHAMPION-", {"en": "Member States", "fr": "États Membres",
                                                        "es": "Estados Miembros"}),
    "stakeholder": ("stakeholders", "CSO-", {"en": "Civil society and other stakeholders",
                                             "fr": "Société civile et autres parties prenantes",
                                             "es": "Sociedad civil y otras partes interesadas"}),
}  # fmt: skip
PARTICIPANTS = {
    "singular": {"en": "Participating UN Organization", "fr": "Organisation des Nations Unies participante",
                 "es": "Organización participante de las Naciones Unidas"},
    "plural": {"en": "Participating UN Organizations", "fr": "Organisations des Nations Unies participantes",
               "es": "Organizaciones participantes de las Naciones Unidas"},
}  # fmt: skip
CONSTITUENCY_ENUM = sa.Enum(*CONSTITUENCIES, name="constituency", native_enum=False, length=40)


def upgrade() -> None:
    seat_every_member()
    if op.get_bind().dialect.name == "sqlite":
        with foreign_keys_off():
            checks = {c["name"] for c in sa.inspect(op.get_bind()).get_check_constraints("users")}
            with op.batch_alter_table("users", recreate="always") as batch_op:
                if CHECK in checks:  # not there after a downgrade on SQLite
                    batch_op.drop_constraint(op.f(CHECK), type_="check")
                batch_op.drop_column("constituency")
    else:
        op.drop_constraint(op.f(CHECK), "users", type_="check")
        op.drop_column("users", "constituency")
    # Plain ADD/DROP COLUMN (no constraint names them): never a rebuild of funds or meetings.
    for table in ("funds", "meetings"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN quorum_share")
    op.add_column("funds", sa.Column("participants_title", sa.JSON(), server_default="{}", nullable=False))
    funds = sa.table("funds", sa.column("participants_title", sa.JSON()), sa.column("definition_sha256"))
    op.get_bind().execute(funds.update().values(participants_title=PARTICIPANTS, definition_sha256=""))


def seat_every_member() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    funds = sa.Table("funds", meta, autoload_with=conn)
    users = sa.Table("users", meta, autoload_with=conn)
    roles = sa.Table("fund_roles", meta, autoload_with=conn)
    groups = sa.Table("committee_constituencies", meta, autoload_with=conn)
    seats = sa.Table("committee_seats", meta, autoload_with=conn)
    terms = sa.Table("seat_terms", meta, autoload_with=conn)
    members = conn.execute(
        sa.select(users.c.id, users.c.constituency, funds.c.id, funds.c.established)
        .join(roles, roles.c.user_id == users.c.id)
        .join(funds, funds.c.id == roles.c.fund_id)
        .where(roles.c.role == "sc_member", users.c.constituency.is_not(None))
        .order_by(funds.c.id, users.c.id)
    ).all()
    for user_id, old, fund_id, established in members:
        code, prefix, name = CONSTITUENCIES[old]
        group_id = conn.scalar(sa.select(groups.c.id).where(groups.c.fund_id == fund_id, groups.c.code == code))
        if group_id is None:
            position = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(groups.c.position), 0))
                                   .where(groups.c.fund_id == fund_id))  # fmt: skip
            group_id = conn.execute(groups.insert().values(
                fund_id=fund_id, code=code, name=name, votes=True, position=position + 1, retired=False,
            )).inserted_primary_key[0]  # fmt: skip
        running = conn.scalar(
            sa.select(sa.func.count()).select_from(terms.join(seats, seats.c.id == terms.c.seat_id))
            .where(seats.c.constituency_id == group_id,
                   sa.or_(terms.c.holder_id == user_id, terms.c.alternate_id == user_id),
                   sa.or_(terms.c.ends_on.is_(None), terms.c.ends_on >= sa.func.current_date()))
        )  # fmt: skip
        if running:
            continue
        never_held = conn.execute(
            sa.select(seats.c.id, seats.c.code, seats.c.vice_chair, seats.c.position)
            .where(seats.c.constituency_id == group_id, seats.c.retired.is_(False),
                   seats.c.id.not_in(sa.select(terms.c.seat_id)))
        ).all()  # fmt: skip
        never_held.sort(key=lambda s: (s.vice_chair, not s.code.startswith(prefix), s.position))
        seat_id = never_held[0].id if never_held else new_seat(conn, seats, fund_id, group_id, prefix, name)
        conn.execute(terms.insert().values(seat_id=seat_id, holder_id=user_id, starts_on=established or FIRST_TERMS,
                                           appointed_at=sa.func.current_timestamp()))  # fmt: skip


def new_seat(conn: sa.Connection, seats: sa.Table, fund_id: int, group_id: int, prefix: str,
             name: dict[str, str]) -> int:  # fmt: skip
    """A new seat of the constituency, numbered after the fund's seats of that kind."""
    codes = set(conn.scalars(sa.select(seats.c.code).where(seats.c.fund_id == fund_id)))
    number = 1
    while f"{prefix.rstrip('-')}-{number}" in codes:
        number += 1
    position = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(seats.c.position), 0))
                           .where(seats.c.fund_id == fund_id))  # fmt: skip
    return conn.execute(seats.insert().values(
        fund_id=fund_id, constituency_id=group_id, code=f"{prefix.rstrip('-')}-{number}",
        name={lang: f"{text} {number}" for lang, text in name.items()}, position=position + 1, vice_chair=False,
        retired=False,
    )).inserted_primary_key[0]  # fmt: skip


def downgrade() -> None:
    conn = op.get_bind()
    op.execute("ALTER TABLE funds DROP COLUMN participants_title")
    share = sa.text("500000") if conn.dialect.name == "sqlite" else sa.text("0.5")  # 0.5, as ScaledDecimal stores it
    op.add_column("funds", sa.Column("quorum_share", fundmgr.db.ScaledDecimal(precision=12, scale=6), nullable=False,
                                     server_default=share))  # fmt: skip
    op.add_column("meetings", sa.Column("quorum_share", fundmgr.db.ScaledDecimal(precision=12, scale=6),
                                        nullable=True))  # fmt: skip
    op.add_column("users", sa.Column("constituency", CONSTITUENCY_ENUM, nullable=True))
    meta = sa.MetaData()
    users = sa.Table("users", meta, autoload_with=conn)
    seats = sa.Table("committee_seats", meta, autoload_with=conn)
    groups = sa.Table("committee_constituencies", meta, autoload_with=conn)
    terms = sa.Table("seat_terms", meta, autoload_with=conn)
    held = conn.execute(
        sa.select(terms.c.holder_id, seats.c.code, groups.c.code)
        .join(seats, seats.c.id == terms.c.seat_id)
        .join(groups, groups.c.id == seats.c.constituency_id)
        .order_by(terms.c.starts_on)  # the latest term wins
    ).all()
    by_group = {"chair": "chair", "un_entities": "un_network", "member_states": "donor", "stakeholders": "stakeholder"}
    constituency: dict[int, str] = {}
    for holder_id, seat_code, group_code in held:
        old = next((old for old, (_g, prefix, _n) in CONSTITUENCIES.items() if seat_code.startswith(prefix)), None)
        constituency[holder_id] = old or by_group.get(group_code, "un_network")
    for user_id, role in conn.execute(sa.select(users.c.id, users.c.role)).all():
        if role == "sc_member":
            conn.execute(users.update().where(users.c.id == user_id)
                         .values(constituency=constituency.get(user_id, "un_network")))  # fmt: skip
    if conn.dialect.name != "sqlite":
        op.create_check_constraint(op.f(CHECK), "users", "(role = 'sc_member') = (constituency IS NOT NULL)")
