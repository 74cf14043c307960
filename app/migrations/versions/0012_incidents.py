"""the register of personal-data incidents (特記事項 第12) and their append-only revisions

New tables only; the deletion run leaves them (the city's register names bookings by receipt
number only).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 03:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('discovered_at', sa.DateTime(), nullable=False),
    sa.Column('circumstances', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('data_content', sa.Text(), nullable=False),
    sa.Column('persons_count', sa.Integer(), nullable=False),
    sa.Column('receipt_numbers', sa.String(length=2000), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.Column('reported_to', sa.String(length=100), nullable=False),
    sa.Column('city_instructions', sa.Text(), nullable=False),
    sa.Column('notified', sa.String(length=8), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('persons_count >= 1', name=op.f('ck_incidents_persons_count')),
    sa.CheckConstraint("notified IN ('no', 'yes')", name=op.f('ck_incidents_notified')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_incidents_recorded_by_users')),
    sa.ForeignKeyConstraint(['season_id'], ['seasons.id'], name=op.f('fk_incidents_season_id_seasons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_discovered_at'), ['discovered_at'], unique=False)

    op.create_table('incident_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_revisions_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_incident_revisions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_revisions'))
    )
    with op.batch_alter_table('incident_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_revisions_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_revisions_incident_id'))
    op.drop_table('incident_revisions')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_discovered_at'))
    op.drop_table('incidents')
