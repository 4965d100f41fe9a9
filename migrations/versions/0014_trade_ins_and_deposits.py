"""trade-ins and deposits

Issue 23: a used unit bought from a customer (`trade_in`, TI-) enters stock with a condition
(`unit.condition`: new, used-A…D), and a sale line remembers the condition it was sold in
(warranty, reports split new and used). Pre-orders (`sale_order`, SO-) reserve units (unit status
`reserved`) and hold a deposit (`order_payment`: who took each payment). The stock ledger gains
the kinds `tradein`, `reserve` and `release`. On SQLite the unit table is copied to change its
status CHECK; foreign keys pointing to it are checked at commit (PRAGMA defer_foreign_keys).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# frozen here, as this branch sees them
OLD_STATUSES = ("in_stock", "in_transit", "sold", "scrapped", "lost", "supplier_returned", "internal_use", "faulty")  # as 0010 left them
STATUSES = OLD_STATUSES + ("reserved",)
CONDITIONS = ("new", "used-A", "used-B", "used-C", "used-D")
OLD_KINDS = ("in", "out", "count", "sale", "return", "transfer_send", "transfer_receive", "transfer_cancel",
             "service_part", "exchange_in", "exchange_out", "repair", "faulty_out")  # as 0010 left them
KINDS = OLD_KINDS + ("tradein", "reserve", "release")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _sqlite_unit_checks(old: str, new: str, *, add_condition: bool) -> None:
    """Rewrite `unit`'s CREATE TABLE text: the status CHECK `old` -> `new`, and the condition CHECK added or removed."""
    conn = op.get_bind()
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'unit'").scalar()
    cost = "CONSTRAINT ck_unit_cost CHECK (cost_cents >= 0)"
    condition = f"CONSTRAINT ck_unit_condition CHECK ({_one_of('condition', CONDITIONS)}), "
    assert f"CHECK ({old})" in sql and cost in sql, sql
    sql = sql.replace(f"CHECK ({old})", f"CHECK ({new})")
    sql = sql.replace(cost, condition + cost) if add_condition else sql.replace(condition, "")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'unit'", (sql,))
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.create_table('sale_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('deposit_cents', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('forfeited_cents', sa.Integer(), nullable=False),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'completed', 'cancelled')", name=op.f('ck_sale_order_status')),
    sa.CheckConstraint('deposit_cents > 0 AND deposit_cents <= total_cents', name=op.f('ck_sale_order_deposit')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_sale_order_customer_id_customer')),
    sa.ForeignKeyConstraint(['sale_id'], ['sale.id'], name=op.f('fk_sale_order_sale_id_sale')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_sale_order_staff_id_staff')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_sale_order_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sale_order')),
    sa.UniqueConstraint('doc_no', name=op.f('uq_sale_order_doc_no'))
    )
    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_order_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_order_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_order_customer_id'), ['customer_id'], unique=False)

    op.create_table('trade_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('pay_method', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('sale_id', sa.Integer(), nullable=True),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name=op.f('ck_trade_in_grade')),
    sa.CheckConstraint('price_cents >= 0', name=op.f('ck_trade_in_price')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_trade_in_customer_id_customer')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_trade_in_product_id_product')),
    sa.ForeignKeyConstraint(['sale_id'], ['sale.id'], name=op.f('fk_trade_in_sale_id_sale')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_trade_in_staff_id_staff')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_trade_in_store_id_store')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_trade_in_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trade_in')),
    sa.UniqueConstraint('doc_no', name=op.f('uq_trade_in_doc_no'))
    )
    with op.batch_alter_table('trade_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trade_in_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_in_sale_id'), ['sale_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trade_in_unit_id'), ['unit_id'], unique=False)

    op.create_table('order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_order_line_qty')),
    sa.ForeignKeyConstraint(['order_id'], ['sale_order.id'], name=op.f('fk_order_line_order_id_sale_order')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_order_line_product_id_product')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_order_line_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line'))
    )
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_line_unit_id'), ['unit_id'], unique=False)

    op.create_table('order_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('deposit', 'balance', 'refund', 'forfeit')", name=op.f('ck_order_payment_kind')),
    sa.ForeignKeyConstraint(['order_id'], ['sale_order.id'], name=op.f('fk_order_payment_order_id_sale_order')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_order_payment_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_payment'))
    )
    with op.batch_alter_table('order_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_payment_order_id'), ['order_id'], unique=False)

    # plain ADD COLUMN: a batch copy of `sale_line` or `unit` would drop a table others point to
    op.add_column('sale_line', sa.Column('condition', sqlmodel.sql.sqltypes.AutoString(), server_default='new', nullable=False))
    op.add_column('unit', sa.Column('condition', sqlmodel.sql.sqltypes.AutoString(), server_default='new', nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot ALTER a CHECK, and copying `unit` breaks the foreign keys of every table that
        # points to it; widening a CHECK that every row meets is a change of the schema text only
        # (sqlite.org/lang_altertable.html, "other kinds of table schema changes")
        _sqlite_unit_checks(_one_of("status", OLD_STATUSES), _one_of("status", STATUSES), add_condition=True)
    else:
        op.drop_constraint(op.f('ck_unit_status'), 'unit', type_='check')
        op.create_check_constraint(op.f('ck_unit_status'), 'unit', _one_of("status", STATUSES))
        op.create_check_constraint(op.f('ck_unit_condition'), 'unit', _one_of("condition", CONDITIONS))
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_movement_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_movement_kind'), _one_of("kind", KINDS))


def downgrade() -> None:
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_movement_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_movement_kind'), _one_of("kind", OLD_KINDS))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_unit_checks(_one_of("status", STATUSES), _one_of("status", OLD_STATUSES), add_condition=False)
    else:
        op.drop_constraint(op.f('ck_unit_condition'), 'unit', type_='check')
        op.drop_constraint(op.f('ck_unit_status'), 'unit', type_='check')
        op.create_check_constraint(op.f('ck_unit_status'), 'unit', _one_of("status", OLD_STATUSES))
    op.execute("ALTER TABLE unit DROP COLUMN condition")
    op.execute("ALTER TABLE sale_line DROP COLUMN condition")

    with op.batch_alter_table('order_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_payment_order_id'))

    op.drop_table('order_payment')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_unit_id'))
        batch_op.drop_index(batch_op.f('ix_order_line_order_id'))

    op.drop_table('order_line')
    with op.batch_alter_table('trade_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trade_in_unit_id'))
        batch_op.drop_index(batch_op.f('ix_trade_in_sale_id'))
        batch_op.drop_index(batch_op.f('ix_trade_in_at'))

    op.drop_table('trade_in')
    with op.batch_alter_table('sale_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_order_customer_id'))
        batch_op.drop_index(batch_op.f('ix_sale_order_closed_at'))
        batch_op.drop_index(batch_op.f('ix_sale_order_at'))

    op.drop_table('sale_order')
