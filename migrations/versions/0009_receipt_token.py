"""a sale's receipt token and change

Issue 18: the printed receipt carries a QR code whose payload is `qr.base_url` + `?r=TOKEN`,
and `storectl sale lookup TOKEN` turns it back into the sale (after-sales). The token is an
unguessable random string (secrets.token_urlsafe) stored with the sale, unique. Sales made before
this revision have none (NULL); one is given to such a sale when its receipt is first printed.
The receipt also shows the change handed back, which only the `sell` command's answer knew:
`sale.change_cents` keeps it (0 on older sales), so a reprint shows what the first print showed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sale', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_token', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('change_cents', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_sale_receipt_token'), ['receipt_token'], unique=True)


def downgrade() -> None:
    # Plain DROP INDEX / DROP COLUMN: a batch copy of `sale` would drop a table that sale lines,
    # payments and returns point to.
    op.drop_index(op.f('ix_sale_receipt_token'), table_name='sale')
    op.execute("ALTER TABLE sale DROP COLUMN change_cents")
    op.execute("ALTER TABLE sale DROP COLUMN receipt_token")
