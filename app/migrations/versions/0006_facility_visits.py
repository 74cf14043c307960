"""facility visits

Facility requests and their call-back queue, the scheduled half-day parts, pre-meetings,
the preparation checklist, the applicant list and the history (SPEC §3, §8, issue 6).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 08:51:45.112253
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('facility_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('taken_by', sa.Integer(), nullable=False),
    sa.Column('callback_due', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('facility_type', sa.String(length=32), nullable=False),
    sa.Column('facility_type_other', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('town', sa.String(length=64), nullable=True),
    sa.Column('location_precision', sa.String(length=16), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('contact_person', sa.String(length=100), nullable=True),
    sa.Column('wish_from', sa.Date(), nullable=True),
    sa.Column('wish_to', sa.Date(), nullable=True),
    sa.Column('wish_weekdays', sa.JSON(), nullable=True),
    sa.Column('wish_half', sa.String(length=2), nullable=True),
    sa.Column('estimated_applicants', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('premeeting_requested', sa.Boolean(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=True),
    sa.Column('scheduled_applicants', sa.Integer(), nullable=True),
    sa.Column('home_booking_id', sa.Integer(), nullable=True),
    sa.Column('list_uploaded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('new', 'contacted', 'scheduled', 'visited', 'withdrawn')", name=op.f('ck_facility_requests_status')),
    sa.CheckConstraint("wish_half IS NULL OR wish_half IN ('am', 'pm')", name=op.f('ck_facility_requests_wish_half')),
    sa.CheckConstraint('estimated_applicants >= 1', name=op.f('ck_facility_requests_estimated_applicants')),
    sa.ForeignKeyConstraint(['home_booking_id'], ['bookings.id'], name=op.f('fk_facility_requests_home_booking_id_bookings')),
    sa.ForeignKeyConstraint(['season_id'], ['seasons.id'], name=op.f('fk_facility_requests_season_id_seasons')),
    sa.ForeignKeyConstraint(['taken_by'], ['users.id'], name=op.f('fk_facility_requests_taken_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_requests'))
    )
    with op.batch_alter_table('facility_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_requests_season_id'), ['season_id'], unique=False)

    op.create_table('facility_applicants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('needs_proxy_writer', sa.Boolean(), nullable=False),
    sa.Column('face_auth_only', sa.Boolean(), nullable=False),
    sa.Column('deliver_to_facility', sa.Boolean(), nullable=False),
    sa.Column('reapplication_reason', sa.Text(), nullable=True),
    sa.Column('other', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility_requests.id'], name=op.f('fk_facility_applicants_facility_id_facility_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_applicants')),
    sa.UniqueConstraint('facility_id', 'row_no', name=op.f('uq_facility_applicants_facility_id_row_no'))
    )
    with op.batch_alter_table('facility_applicants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_applicants_facility_id'), ['facility_id'], unique=False)

    op.create_table('facility_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('confirmed_by', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_name', sa.String(length=100), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by'], ['users.id'], name=op.f('fk_facility_checks_confirmed_by_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility_requests.id'], name=op.f('fk_facility_checks_facility_id_facility_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_checks')),
    sa.UniqueConstraint('facility_id', 'item', name=op.f('uq_facility_checks_facility_id_item'))
    )
    with op.batch_alter_table('facility_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_checks_facility_id'), ['facility_id'], unique=False)

    op.create_table('facility_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility_requests.id'], name=op.f('fk_facility_events_facility_id_facility_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_facility_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_events'))
    )
    with op.batch_alter_table('facility_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_events_facility_id'), ['facility_id'], unique=False)

    op.create_table('facility_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=False),
    sa.Column('time', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("half IN ('am', 'pm')", name=op.f('ck_facility_meetings_half')),
    sa.CheckConstraint("status IN ('planned', 'cancelled')", name=op.f('ck_facility_meetings_status')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_facility_meetings_created_by_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility_requests.id'], name=op.f('fk_facility_meetings_facility_id_facility_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['season_id'], ['seasons.id'], name=op.f('fk_facility_meetings_season_id_seasons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_meetings'))
    )
    with op.batch_alter_table('facility_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_meetings_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facility_meetings_season_id'), ['season_id'], unique=False)

    op.create_table('facility_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('season_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('half', sa.String(length=2), nullable=False),
    sa.Column('team', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('applicants', sa.Integer(), nullable=False),
    sa.Column('eta', sa.String(length=20), nullable=False),
    sa.Column('agreed_time', sa.String(length=20), nullable=True),
    sa.Column('booked_by', sa.Integer(), nullable=False),
    sa.Column('booked_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("half IN ('am', 'pm')", name=op.f('ck_facility_visits_half')),
    sa.CheckConstraint("status IN ('booked', 'cancelled', 'visited')", name=op.f('ck_facility_visits_status')),
    sa.CheckConstraint('applicants >= 1', name=op.f('ck_facility_visits_applicants')),
    sa.ForeignKeyConstraint(['booked_by'], ['users.id'], name=op.f('fk_facility_visits_booked_by_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility_requests.id'], name=op.f('fk_facility_visits_facility_id_facility_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['season_id'], ['seasons.id'], name=op.f('fk_facility_visits_season_id_seasons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_visits'))
    )
    with op.batch_alter_table('facility_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_visits_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facility_visits_season_id'), ['season_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('facility_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_visits_season_id'))
        batch_op.drop_index(batch_op.f('ix_facility_visits_facility_id'))

    op.drop_table('facility_visits')
    with op.batch_alter_table('facility_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_meetings_season_id'))
        batch_op.drop_index(batch_op.f('ix_facility_meetings_facility_id'))

    op.drop_table('facility_meetings')
    with op.batch_alter_table('facility_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_events_facility_id'))

    op.drop_table('facility_events')
    with op.batch_alter_table('facility_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_checks_facility_id'))

    op.drop_table('facility_checks')
    with op.batch_alter_table('facility_applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_applicants_facility_id'))

    op.drop_table('facility_applicants')
    with op.batch_alter_table('facility_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_requests_season_id'))

    op.drop_table('facility_requests')
