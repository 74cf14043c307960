"""a hand-over package not yet sent can be withdrawn

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 14:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handover_packages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handover_packages_withdrawn_by_users'),
                                    'users', ['withdrawn_by'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_handover_packages_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_handover_packages_status'),
            "status IN ('ready', 'approved', 'sent', 'withdrawn')")


def downgrade() -> None:
    with op.batch_alter_table('handover_packages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_handover_packages_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_handover_packages_status'), "status IN ('ready', 'approved', 'sent')")
        batch_op.drop_constraint(batch_op.f('fk_handover_packages_withdrawn_by_users'),
                                 type_='foreignkey')
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('withdrawn_by')
