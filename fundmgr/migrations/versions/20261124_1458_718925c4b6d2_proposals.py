"""proposals: proposals, participants, markers, budget lines, results matrix drafts,
attachments, frozen versions, FMU screenings and the per-fund reference counters.

Revision ID: 718925c4b6d2
Revises: 4b02be6698cc
Create Date: 2026-11-24 14:58:49.253922

"""
import sqlalchemy as sa
from alembic import op

import fundmgr.db

# revision identifiers, used by Alembic.
revision = '718925c4b6d2'
down_revision = '4b02be6698cc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proposal_counters',
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_proposal_counters_fund_id_funds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('fund_id', 'year', name=op.f('pk_proposal_counters'))
    )
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'screening', 'returned', 'in_review', 'endorsed', 'approved', 'active', 'closed', 'deferred', 'rejected', 'withdrawn', name='proposalstate', native_enum=False, length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=3), nullable=True),
    sa.Column('primary_area_id', sa.Integer(), nullable=True),
    sa.Column('duration_months', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('government_endorsement', sa.Boolean(), nullable=False),
    sa.Column('lead_organization_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version_count', sa.Integer(), nullable=False),
    sa.Column('total_amount', fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("(state IN ('draft', 'withdrawn')) OR (version_count > 0)", name=op.f('ck_proposals_submitted_has_version')),
    sa.CheckConstraint('duration_months IS NULL OR duration_months > 0', name=op.f('ck_proposals_duration_positive')),
    sa.ForeignKeyConstraint(['country_id'], ['countries.id'], name=op.f('fk_proposals_country_id_countries')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_proposals_created_by_id_users')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_proposals_fund_id_funds')),
    sa.ForeignKeyConstraint(['lead_organization_id'], ['organizations.id'], name=op.f('fk_proposals_lead_organization_id_organizations')),
    sa.ForeignKeyConstraint(['primary_area_id'], ['thematic_areas.id'], name=op.f('fk_proposals_primary_area_id_thematic_areas')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_proposals_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('reference', name=op.f('uq_proposals_reference'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_country_id'), ['country_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index('ix_proposals_fund_state', ['fund_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_lead_organization_id'), ['lead_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_primary_area_id'), ['primary_area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_region_code'), ['region_code'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('endorsement_letter', 'full_document', 'budget_annex', 'other', name='attachmentkind', native_enum=False, length=40), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_attachments_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachments_storage_key'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('budget_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_budget_lines_amount_not_negative')),
    sa.CheckConstraint('year >= 1', name=op.f('ck_budget_lines_year_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['budget_categories.id'], name=op.f('fk_budget_lines_category_id_budget_categories')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_budget_lines_organization_id_organizations')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_budget_lines_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines')),
    sa.UniqueConstraint('proposal_id', 'organization_id', 'category_id', 'year', name=op.f('uq_budget_lines_proposal_id_organization_id_category_id_year'))
    )
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_lines_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('matrix_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_matrix_outcomes_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matrix_outcomes'))
    )
    with op.batch_alter_table('matrix_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matrix_outcomes_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('indirect_rate', fundmgr.db.ScaledDecimal(precision=12, scale=6), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_participants_organization_id_organizations')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_participants_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants')),
    sa.UniqueConstraint('proposal_id', 'organization_id', name=op.f('uq_participants_proposal_id_organization_id'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participants_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_countries',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['country_id'], ['countries.id'], name=op.f('fk_proposal_countries_country_id_countries')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_countries_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'country_id', name=op.f('pk_proposal_countries'))
    )
    op.create_table('proposal_markers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('marker_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['marker_id'], ['markers.id'], name=op.f('fk_proposal_markers_marker_id_markers')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_markers_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_markers')),
    sa.UniqueConstraint('proposal_id', 'marker_id', name=op.f('uq_proposal_markers_proposal_id_marker_id'))
    )
    with op.batch_alter_table('proposal_markers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_markers_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_objectives',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['objective_id'], ['objectives.id'], name=op.f('fk_proposal_objectives_objective_id_objectives')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_objectives_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'objective_id', name=op.f('pk_proposal_objectives'))
    )
    op.create_table('proposal_principles',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('principle_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['principle_id'], ['guiding_principles.id'], name=op.f('fk_proposal_principles_principle_id_guiding_principles')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_principles_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'principle_id', name=op.f('pk_proposal_principles'))
    )
    op.create_table('proposal_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('direct_total', fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.Column('indirect_total', fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.Column('total', fundmgr.db.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_versions_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_proposal_versions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_versions')),
    sa.UniqueConstraint('proposal_id', 'number', name=op.f('uq_proposal_versions_proposal_id_number'))
    )
    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_versions_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('matrix_outputs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['outcome_id'], ['matrix_outcomes.id'], name=op.f('fk_matrix_outputs_outcome_id_matrix_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matrix_outputs'))
    )
    with op.batch_alter_table('matrix_outputs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matrix_outputs_outcome_id'), ['outcome_id'], unique=False)

    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('screener_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('forwarded', 'returned', name='screeningoutcome', native_enum=False, length=40), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['screener_id'], ['users.id'], name=op.f('fk_screenings_screener_id_users')),
    sa.ForeignKeyConstraint(['version_id'], ['proposal_versions.id'], name=op.f('fk_screenings_version_id_proposal_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screenings')),
    sa.UniqueConstraint('version_id', name=op.f('uq_screenings_version_id'))
    )
    op.create_table('matrix_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outcome_id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('baseline', fundmgr.db.ScaledDecimal(precision=18, scale=6), nullable=True),
    sa.Column('target', fundmgr.db.ScaledDecimal(precision=18, scale=6), nullable=True),
    sa.Column('means_of_verification', sa.Text(), nullable=False),
    sa.Column('disaggregation', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['outcome_id'], ['matrix_outcomes.id'], name=op.f('fk_matrix_indicators_outcome_id_matrix_outcomes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['matrix_outputs.id'], name=op.f('fk_matrix_indicators_output_id_matrix_outputs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matrix_indicators'))
    )
    with op.batch_alter_table('matrix_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matrix_indicators_outcome_id'), ['outcome_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matrix_indicators_output_id'), ['output_id'], unique=False)

    op.create_table('screening_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['eligibility_checks.id'], name=op.f('fk_screening_items_check_id_eligibility_checks')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_screening_items_screening_id_screenings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_items')),
    sa.UniqueConstraint('screening_id', 'check_id', name=op.f('uq_screening_items_screening_id_check_id'))
    )
    with op.batch_alter_table('screening_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_items_screening_id'), ['screening_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('screening_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_items_screening_id'))

    op.drop_table('screening_items')
    with op.batch_alter_table('matrix_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matrix_indicators_output_id'))
        batch_op.drop_index(batch_op.f('ix_matrix_indicators_outcome_id'))

    op.drop_table('matrix_indicators')
    op.drop_table('screenings')
    with op.batch_alter_table('matrix_outputs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matrix_outputs_outcome_id'))

    op.drop_table('matrix_outputs')
    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_versions_proposal_id'))

    op.drop_table('proposal_versions')
    op.drop_table('proposal_principles')
    op.drop_table('proposal_objectives')
    with op.batch_alter_table('proposal_markers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_markers_proposal_id'))

    op.drop_table('proposal_markers')
    op.drop_table('proposal_countries')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_participants_organization_id'))

    op.drop_table('participants')
    with op.batch_alter_table('matrix_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matrix_outcomes_proposal_id'))

    op.drop_table('matrix_outcomes')
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_lines_proposal_id'))

    op.drop_table('budget_lines')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_proposal_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_region_code'))
        batch_op.drop_index(batch_op.f('ix_proposals_primary_area_id'))
        batch_op.drop_index(batch_op.f('ix_proposals_lead_organization_id'))
        batch_op.drop_index('ix_proposals_fund_state')
        batch_op.drop_index(batch_op.f('ix_proposals_fund_id'))
        batch_op.drop_index(batch_op.f('ix_proposals_country_id'))

    op.drop_table('proposals')
    op.drop_table('proposal_counters')
