"""certificates: a verification code per certification (unique, backfilled for existing
rows) and the revocation's when, by whom and why

Revision ID: cert_0001
Revises: api_0001
Create Date: 2026-12-07 19:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = 'cert_0001'
down_revision = 'api_0001'
branch_labels = None
depends_on = None

# As lms.models.certification.new_verification_code (a migration keeps its own copy).
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def _code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(24))
    return "-".join(chars[i : i + 4] for i in range(0, 24, 4))


def upgrade():
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.add_column(sa.Column('verification_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revoke_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_certifications_revoked_by_id_users'), 'users', ['revoked_by_id'], ['id']
        )
    # Certificates already issued get their codes now, one unguessable code each.
    table = sa.table('certifications', sa.column('id'), sa.column('verification_code'))
    connection = op.get_bind()
    ids = connection.execute(sa.select(table.c.id)).scalars().all()
    for start in range(0, len(ids), 1000):
        batch = [{'row_id': i, 'code': _code()} for i in ids[start : start + 1000]]
        connection.execute(
            table.update()
            .where(table.c.id == sa.bindparam('row_id'))
            .values(verification_code=sa.bindparam('code')),
            batch,
        )
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.alter_column(
            'verification_code', existing_type=sa.String(length=32), nullable=False
        )
        batch_op.create_index(
            batch_op.f('ix_certifications_verification_code'), ['verification_code'], unique=True
        )


def downgrade():
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_verification_code'))
        batch_op.drop_constraint(
            op.f('fk_certifications_revoked_by_id_users'), type_='foreignkey'
        )
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('revoked_by_id')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('verification_code')
