"""after-sales: service tickets, their steps and costs; faulty units; five movement kinds

Issue 19 (SPEC §11): a unit brought back by its customer gets a service ticket (SV-…) with a
dated timeline (`service_step`) and the costs booked to it (`service_cost`: parts that left
stock, an exchange's cost difference; the warranty ones join the sales facts as cost). A unit
exchanged on a ticket comes back with the new status `faulty` (owned, in no store's stock) until
it is repaired (`stock repair`) or sent back to its supplier. The ledger gains the kinds
service_part, exchange_in, exchange_out, repair and faulty_out.

The unit status CHECK is widened in place: on SQLite by rewriting the table's stored definition
(the documented way to change a CHECK that every existing row already satisfies; a batch copy
of `unit` would drop a table that codes, movements and sale lines point to), on PostgreSQL by
dropping and adding the constraint.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 21:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# frozen here
OLD_KINDS = ("in", "out", "count", "sale", "return", "transfer_send", "transfer_receive", "transfer_cancel")
KINDS = OLD_KINDS + ("service_part", "exchange_in", "exchange_out", "repair", "faulty_out")
OLD_STATUSES = ("in_stock", "in_transit", "sold", "scrapped", "lost", "supplier_returned", "internal_use")
STATUSES = OLD_STATUSES + ("faulty",)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(repr(v) for v in values) + ")"


def _unit_statuses(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'unit'").scalar()
        before, after = _in("status", old), _in("status", new)
        if before not in sql:
            raise RuntimeError("the unit table's status CHECK is not the one this revision expects")
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
        bind.exec_driver_sql("PRAGMA writable_schema = ON")
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'unit'", (sql.replace(before, after),))
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    else:
        op.drop_constraint(op.f('ck_unit_status'), 'unit', type_='check')
        op.create_check_constraint(op.f('ck_unit_status'), 'unit', _in("status", new))


def upgrade() -> None:
    op.create_table('service_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('under_warranty', sa.Boolean(), nullable=False),
    sa.Column('warranty_until', sa.Date(), nullable=True),
    sa.Column('sale_no', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('replacement_unit_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('charge_cents', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('rated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'in_repair', 'waiting_parts', 'ready', 'closed')", name=op.f('ck_service_ticket_status')),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name=op.f('ck_service_ticket_rating')),
    sa.CheckConstraint('charge_cents >= 0', name=op.f('ck_service_ticket_charge')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_service_ticket_customer_id_customer')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_service_ticket_product_id_product')),
    sa.ForeignKeyConstraint(['replacement_unit_id'], ['unit.id'], name=op.f('fk_service_ticket_replacement_unit_id_unit')),
    sa.ForeignKeyConstraint(['sale_id'], ['sale.id'], name=op.f('fk_service_ticket_sale_id_sale')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_service_ticket_staff_id_staff')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_service_ticket_store_id_store')),
    sa.ForeignKeyConstraint(['technician_id'], ['staff.id'], name=op.f('fk_service_ticket_technician_id_staff')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_service_ticket_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ticket')),
    sa.UniqueConstraint('doc_no', name=op.f('uq_service_ticket_doc_no')),
    sa.UniqueConstraint('token', name=op.f('uq_service_ticket_token'))
    )
    with op.batch_alter_table('service_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_ticket_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_ticket_replacement_unit_id'), ['replacement_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_ticket_unit_id'), ['unit_id'], unique=False)

    op.create_table('service_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['service_ticket.id'], name=op.f('fk_service_step_ticket_id_service_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_step'))
    )
    with op.batch_alter_table('service_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_step_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('service_cost',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=False),
    sa.Column('warranty', sa.Boolean(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('part', 'exchange')", name=op.f('ck_service_cost_kind')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_service_cost_qty')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_service_cost_product_id_product')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_service_cost_staff_id_staff')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_service_cost_store_id_store')),
    sa.ForeignKeyConstraint(['ticket_id'], ['service_ticket.id'], name=op.f('fk_service_cost_ticket_id_service_ticket')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_service_cost_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_cost'))
    )
    with op.batch_alter_table('service_cost', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_cost_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_cost_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_movement_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_movement_kind'), _in("kind", KINDS))
    _unit_statuses(OLD_STATUSES, STATUSES)


def downgrade() -> None:
    # refuses while a unit is faulty or a movement of a new kind exists (the CHECKs would not hold)
    _unit_statuses(STATUSES, OLD_STATUSES)
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_movement_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_movement_kind'), _in("kind", OLD_KINDS))
    op.drop_table('service_cost')
    op.drop_table('service_step')
    op.drop_table('service_ticket')
