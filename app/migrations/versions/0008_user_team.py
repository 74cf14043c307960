"""a visit-team member's own team

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 10:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_users_team'), 'team IS NULL OR team >= 1')


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_team'), type_='check')
        batch_op.drop_column('team')
