"""facility outcomes and the applicant list's lifecycle

The day's outcome of a facility visit recorded on the route sheet, the share date of the
facility's applicant list in the weekly hand-over, and the purge of the list after the visit
(personal columns become nullable; the age band stays for the counts).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('facility_visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applications_taken', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outcome_notes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('outcome_recorded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('outcome_recorded_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('visit_completed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('shared_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_facility_visits_outcome_recorded_by_users'),
                                    'users', ['outcome_recorded_by'], ['id'])

    with op.batch_alter_table('facility_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_deleted_on', sa.Date(), nullable=True))

    with op.batch_alter_table('facility_applicants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_band', sa.String(length=16), nullable=True))
        batch_op.alter_column('name', existing_type=sa.String(length=100), nullable=True)
        batch_op.alter_column('address', existing_type=sa.String(length=200), nullable=True)
        batch_op.alter_column('birth_date', existing_type=sa.Date(), nullable=True)

    with op.batch_alter_table('handover_packages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facility_ids', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handover_packages', schema=None) as batch_op:
        batch_op.drop_column('facility_ids')

    with op.batch_alter_table('facility_applicants', schema=None) as batch_op:
        batch_op.alter_column('birth_date', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('address', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('name', existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_column('age_band')

    with op.batch_alter_table('facility_requests', schema=None) as batch_op:
        batch_op.drop_column('personal_data_deleted_on')

    with op.batch_alter_table('facility_visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_facility_visits_outcome_recorded_by_users'),
                                 type_='foreignkey')
        batch_op.drop_column('shared_on')
        batch_op.drop_column('visit_completed_on')
        batch_op.drop_column('outcome_recorded_by')
        batch_op.drop_column('outcome_recorded_at')
        batch_op.drop_column('outcome_notes')
        batch_op.drop_column('applications_taken')
