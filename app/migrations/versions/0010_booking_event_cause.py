"""why a booking event happened: a structural cause instead of the reason text's prefix

The call-back list told a manager's re-plan apart from a caller's own change by the start of
the event's reason text. Each event now carries its cause; existing rows are backfilled from
the same texts the application wrote up to this revision (copied here, so a later rewording
of the application's texts cannot change what this migration does). An event whose reason was
purged with the personal data cannot be told apart any more; it is counted as the caller's,
which is harmless: its visit is over, so it is never on the call-back list.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 15:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The reason texts app/bookings/replanning.py gave a re-plan's moves and cancellations.
REPLAN_REASON_STARTS = (
    '予約の再計画',
    '訪問日の中止により再配置できませんでした',
    '訪問枠の変更により再配置できませんでした',
    '訪問チーム数の変更により再配置できませんでした',
)

events = sa.table(
    'booking_events',
    sa.column('action', sa.String),
    sa.column('reason', sa.Text),
    sa.column('cause', sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause', sa.String(length=16), server_default='staff',
                                      nullable=False))
        batch_op.create_check_constraint(
            batch_op.f('ck_booking_events_cause'),
            "cause IN ('caller', 'replan', 'renumber', 'staff')")

    op.execute(events.update().where(events.c.action == 'reordered').values(cause='renumber'))
    op.execute(events.update().where(
        events.c.action.in_(('changed', 'cancelled')),
        sa.or_(*(events.c.reason.like(start + '%') for start in REPLAN_REASON_STARTS)),
    ).values(cause='replan'))
    op.execute(events.update().where(
        events.c.action.in_(('created', 'changed', 'cancelled')), events.c.cause == 'staff',
    ).values(cause='caller'))


def downgrade() -> None:
    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_booking_events_cause'), type_='check')
        batch_op.drop_column('cause')
