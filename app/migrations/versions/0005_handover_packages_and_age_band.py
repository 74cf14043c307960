"""handover packages and age band

The weekly hand-over of reception slips to the city (SPEC §10, issue 8) and the age band a
booking keeps after its personal data are purged (SPEC §9).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handover_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('booking_ids', sa.JSON(), nullable=False),
    sa.Column('receipt_nos', sa.JSON(), nullable=False),
    sa.Column('prepared_by', sa.Integer(), nullable=False),
    sa.Column('prepared_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('released_by', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('release_method', sa.String(length=16), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('ready', 'approved', 'sent')", name=op.f('ck_handover_packages_status')),
    sa.CheckConstraint("release_method IS NULL OR release_method IN ('download', 'smtp')", name=op.f('ck_handover_packages_release_method')),
    sa.CheckConstraint("approved_by IS NULL OR approved_by <> prepared_by", name=op.f('ck_handover_packages_two_people')),
    sa.ForeignKeyConstraint(['season_id'], ['seasons.id'], name=op.f('fk_handover_packages_season_id_seasons')),
    sa.ForeignKeyConstraint(['prepared_by'], ['users.id'], name=op.f('fk_handover_packages_prepared_by_users')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_handover_packages_approved_by_users')),
    sa.ForeignKeyConstraint(['released_by'], ['users.id'], name=op.f('fk_handover_packages_released_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_packages'))
    )
    with op.batch_alter_table('handover_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_packages_week_start'), ['week_start'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_band', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('age_band')

    with op.batch_alter_table('handover_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_packages_week_start'))

    op.drop_table('handover_packages')
