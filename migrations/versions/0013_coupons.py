"""coupons and flash sales

Issue 22: coupon templates (`coupon`), the instances members hold with their own short code
(`coupon_instance`, used by at most one sale: `used_sale_id`, set by a guarded UPDATE), what each
coupon took off a sale (`sale_coupon`; the sale lines carry the discount, spread to the fen), and
flash sales: a price rule with a `quota` (and `per_member`) and its guarded counter `flash_sold`,
with each member's take in `flash_take`; `coupon_rule`: a check-in
on streak day N issues a coupon (`points rule add --every N --coupon CODE`).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('price_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quota', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('per_member', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('flash_sold', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_check_constraint('flash', 'quota IS NULL OR (flash_sold >= 0 AND flash_sold <= quota)')
    op.create_table('coupon',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('pct_bp', sa.Integer(), nullable=False),
    sa.Column('min_spend_cents', sa.Integer(), nullable=False),
    sa.Column('max_off_cents', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('valid_days', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('stackable', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint('(amount_cents > 0 AND pct_bp = 0) OR (amount_cents = 0 AND pct_bp > 0 AND pct_bp <= 10000)', name=op.f('ck_coupon_kind')),
    sa.CheckConstraint('min_spend_cents >= 0 AND max_off_cents >= 0', name=op.f('ck_coupon_limits')),
    sa.CheckConstraint('valid_days IS NOT NULL OR valid_until IS NOT NULL', name=op.f('ck_coupon_validity')),
    sa.ForeignKeyConstraint(['sku_id'], ['product.id'], name=op.f('fk_coupon_sku_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon')),
    sa.UniqueConstraint('code', name=op.f('uq_coupon_code'))
    )
    op.create_table('coupon_instance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('used_sale_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupon.id'], name=op.f('fk_coupon_instance_coupon_id_coupon')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_coupon_instance_customer_id_customer')),
    sa.ForeignKeyConstraint(['used_sale_id'], ['sale.id'], name=op.f('fk_coupon_instance_used_sale_id_sale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_instance')),
    sa.UniqueConstraint('code', name=op.f('uq_coupon_instance_code'))
    )
    with op.batch_alter_table('coupon_instance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coupon_instance_coupon_id'), ['coupon_id'], unique=False)
        batch_op.create_index('ix_coupon_instance_customer', ['customer_id', 'coupon_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coupon_instance_used_sale_id'), ['used_sale_id'], unique=False)
    op.create_table('sale_coupon',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('discount_cents', sa.Integer(), nullable=False),
    sa.Column('given_back', sa.Boolean(), nullable=False),
    sa.CheckConstraint('discount_cents >= 0', name=op.f('ck_sale_coupon_discount')),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupon.id'], name=op.f('fk_sale_coupon_coupon_id_coupon')),
    sa.ForeignKeyConstraint(['instance_id'], ['coupon_instance.id'], name=op.f('fk_sale_coupon_instance_id_coupon_instance')),
    sa.ForeignKeyConstraint(['sale_id'], ['sale.id'], name=op.f('fk_sale_coupon_sale_id_sale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sale_coupon'))
    )
    with op.batch_alter_table('sale_coupon', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_coupon_coupon_id'), ['coupon_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_coupon_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_coupon_sale_id'), ['sale_id'], unique=False)
    op.create_table('flash_take',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_flash_take_customer_id_customer')),
    sa.ForeignKeyConstraint(['rule_id'], ['price_rule.id'], name=op.f('fk_flash_take_rule_id_price_rule')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flash_take')),
    sa.UniqueConstraint('rule_id', 'customer_id', name='uq_flash_take_rule_customer')
    )
    op.create_table('coupon_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('every', sa.Integer(), nullable=False),
    sa.Column('coupon_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('every > 0', name=op.f('ck_coupon_rule_every')),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupon.id'], name=op.f('fk_coupon_rule_coupon_id_coupon')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_rule'))
    )


def downgrade() -> None:
    op.drop_table('coupon_rule')
    op.drop_table('flash_take')
    with op.batch_alter_table('sale_coupon', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_coupon_sale_id'))
        batch_op.drop_index(batch_op.f('ix_sale_coupon_instance_id'))
        batch_op.drop_index(batch_op.f('ix_sale_coupon_coupon_id'))
    op.drop_table('sale_coupon')
    with op.batch_alter_table('coupon_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupon_instance_used_sale_id'))
        batch_op.drop_index('ix_coupon_instance_customer')
        batch_op.drop_index(batch_op.f('ix_coupon_instance_coupon_id'))
    op.drop_table('coupon_instance')
    op.drop_table('coupon')
    with op.batch_alter_table('price_rule', schema=None) as batch_op:
        batch_op.drop_constraint('flash', type_='check')
        batch_op.drop_column('flash_sold')
        batch_op.drop_column('per_member')
        batch_op.drop_column('quota')

