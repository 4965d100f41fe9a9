"""movement kinds are a closed set

Issue 16: the stock ledger's movement kinds carry their direction in code
(services/stock/kinds.py); the database now holds the same closed set with a CHECK on
`movement.kind`, so no writer can add a movement whose direction nobody knows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 19:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

KINDS = ("in", "out", "count", "sale", "return", "transfer_send", "transfer_receive", "transfer_cancel")  # frozen here


def upgrade() -> None:
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_movement_kind'), "kind IN (" + ", ".join(repr(k) for k in KINDS) + ")")


def downgrade() -> None:
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_movement_kind'), type_='check')
