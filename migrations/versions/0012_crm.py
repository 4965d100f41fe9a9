"""old customers, leads and tags (issue 21, SPEC §13)

Customer tags (`customer tag`); reactivation campaigns (`campaign create`) with one row per
audience member holding an unguessable token, whether the random holdout set it aside, the
purchase that qualified it, and its clicks; leads (`lead add`, or a campaign's first click) with
their follow-up notes. New tables only: nothing existing changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 21:02:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('bought_before', sa.Date(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('tag', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('holdout_pct', sa.Integer(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint('holdout_pct >= 0 AND holdout_pct <= 100', name=op.f('ck_campaign_holdout')),
    sa.CheckConstraint('window_days > 0', name=op.f('ck_campaign_window')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_campaign_product_id_product')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_campaign_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    sa.UniqueConstraint('doc_no', name=op.f('uq_campaign_doc_no'))
    )
    op.create_table('customer_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tag', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_tag_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_tag')),
    sa.UniqueConstraint('customer_id', 'tag', name='uq_customer_tag_customer_tag')
    )
    with op.batch_alter_table('customer_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_tag_tag'), ['tag'], unique=False)

    op.create_table('campaign_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('holdout', sa.Boolean(), nullable=False),
    sa.Column('sale_line_id', sa.Integer(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.Column('first_click_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_click_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint('clicks >= 0', name=op.f('ck_campaign_member_clicks')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_member_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_campaign_member_customer_id_customer')),
    sa.ForeignKeyConstraint(['sale_line_id'], ['sale_line.id'], name=op.f('fk_campaign_member_sale_line_id_sale_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_member')),
    sa.UniqueConstraint('campaign_id', 'customer_id', name='uq_campaign_member_campaign_customer'),
    sa.UniqueConstraint('token', name=op.f('uq_campaign_member_token'))
    )
    with op.batch_alter_table('campaign_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_member_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_member_customer_id'), ['customer_id'], unique=False)

    op.create_table('lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('interest', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('next_date', sa.Date(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('won_sale_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'contacted', 'won', 'lost')", name=op.f('ck_lead_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_lead_customer_id_customer')),
    sa.ForeignKeyConstraint(['member_id'], ['campaign_member.id'], name=op.f('fk_lead_member_id_campaign_member')),
    sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], name=op.f('fk_lead_owner_id_staff')),
    sa.ForeignKeyConstraint(['won_sale_id'], ['sale.id'], name=op.f('fk_lead_won_sale_id_sale')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead')),
    sa.UniqueConstraint('doc_no', name=op.f('uq_lead_doc_no')),
    sa.UniqueConstraint('member_id', name=op.f('uq_lead_member_id'))
    )
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_phone'), ['phone'], unique=False)
        batch_op.create_index('ix_lead_status_next', ['status', 'next_date'], unique=False)

    op.create_table('lead_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('next_date', sa.Date(), nullable=True),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['lead.id'], name=op.f('fk_lead_note_lead_id_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_note'))
    )
    with op.batch_alter_table('lead_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_note_lead_id'), ['lead_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lead_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_note_lead_id'))

    op.drop_table('lead_note')
    with op.batch_alter_table('lead', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_status_next')
        batch_op.drop_index(batch_op.f('ix_lead_phone'))
        batch_op.drop_index(batch_op.f('ix_lead_owner_id'))
        batch_op.drop_index(batch_op.f('ix_lead_customer_id'))

    op.drop_table('lead')
    with op.batch_alter_table('campaign_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_member_customer_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_member_campaign_id'))

    op.drop_table('campaign_member')
    with op.batch_alter_table('customer_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_tag_tag'))

    op.drop_table('customer_tag')
    op.drop_table('campaign')
