"""real time in the audit, PIN lockout

Issue 15: a fixed clock (STORECTL_NOW) dated a clerk's writes in 2098 and the audit could not
tell. Every audit row now also records the machine's real time (`audit.real_at`; NULL on rows
written before this revision). Wrong PINs were unlimited: `staff.pin_failures` counts wrong PINs
in a row and `staff.pin_locked_until` (real time) locks the staff code after too many.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('real_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pin_locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of `staff` would
    # drop a table that every sale's foreign keys point to.
    for table, column in (("staff", "pin_locked_until"), ("staff", "pin_failures"), ("audit", "real_at")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
