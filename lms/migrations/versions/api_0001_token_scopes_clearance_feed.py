"""API tokens with several scopes (clearance:read, scim, webhooks), when each was last
used and its own rate limit; the clearance changes feed (a change number per clearance
and the counter that gives them)

Revision ID: api_0001
Revises: c0a1b2c3d401
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'api_0001'
down_revision = 'c0a1b2c3d401'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.alter_column(
            'scope',
            existing_type=sa.String(length=16),
            type_=sa.String(length=64),
            server_default='clearance:read',
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rate_limit', sa.String(length=64), nullable=True))
    # Tokens issued for "clearance" keep working: the scope is now called clearance:read.
    op.execute("UPDATE api_tokens SET scope = 'clearance:read' WHERE scope = 'clearance'")

    # NULL: changed, not yet numbered; the first read of the feed numbers every row.
    with op.batch_alter_table('clearances') as batch_op:
        batch_op.add_column(sa.Column('change_seq', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_clearances_change_seq', ['change_seq'], unique=False)
    op.create_table(
        'clearance_feed',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clearance_feed')),
    )


def downgrade():
    op.drop_table('clearance_feed')
    with op.batch_alter_table('clearances') as batch_op:
        batch_op.drop_index('ix_clearances_change_seq')
        batch_op.drop_column('change_seq')
    # A token with several scopes keeps its first; one for webhooks only opened nothing
    # the old schema knows, so it stops working rather than open the clearance API.
    op.execute(
        "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP "
        "WHERE scope = 'webhooks' AND revoked_at IS NULL"
    )
    op.execute(
        "UPDATE api_tokens SET scope = CASE WHEN scope LIKE 'clearance:read%' THEN 'clearance' "
        "WHEN scope LIKE 'scim%' THEN 'scim' ELSE 'clearance' END"
    )
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.drop_column('rate_limit')
        batch_op.drop_column('last_used_at')
        batch_op.alter_column(
            'scope',
            existing_type=sa.String(length=64),
            type_=sa.String(length=16),
            server_default='clearance',
            existing_nullable=False,
        )
