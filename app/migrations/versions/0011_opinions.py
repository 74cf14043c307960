"""opinions from citizens and facility staff, for the reports to the city (004 §10(3))

A new table only; its summaries hold no personal data, so the deletion run leaves them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 23:44:57.679223
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=16), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('citizen', 'facility_staff', 'other')", name=op.f('ck_opinions_source')),
    sa.CheckConstraint("topic IS NULL OR topic IN ('booking', 'visit', 'procedure', 'other')", name=op.f('ck_opinions_topic')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_opinions_recorded_by_users')),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_opinions_reported_by_users')),
    sa.ForeignKeyConstraint(['season_id'], ['seasons.id'], name=op.f('fk_opinions_season_id_seasons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinions'))
    )
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinions_received_on'), ['received_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinions_received_on'))
    op.drop_table('opinions')
