"""Personal data out of the audit trail and the outbox; the sign-in log

Creates ``sign_in_attempts`` (failed sign-ins as typed, with the client's address: the
audit trail now points at them by id, and retention deletes them).

Scrubs existing rows: every key of ``audit_events.before``/``after`` and of
``outbox_events.payload`` that holds personal data (name, email, employee_id, manager,
hire_date, identifier, client, ip_address, typed_name, handle, display_name, …; the
company sign-in's claim ``value``) is removed, and the removed keys' names are listed
under ``personal_data_removed``; an API token's ``name`` (not a person's) becomes
``token_name``. The people stay named by ``actor_id`` and ``subject_user_id``.

``audit_events`` is append-only by database triggers: THIS MIGRATION DROPS THE TRIGGERS,
REWRITES THE ROWS AND CREATES THE SAME TRIGGERS AGAIN, in the migration's one
transaction (PostgreSQL and SQLite both run DDL in transactions), so no other writer
ever sees the trail without its guard. This migration is itself the record of that
change (docs/privacy.md). The scrub cannot be undone: downgrade only drops the new table.

Revision ID: privacy_0001
Revises: api_0001
Create Date: 2026-12-07 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'privacy_0001'
down_revision = 'badge_0001'
branch_labels = None
depends_on = None

PERSONAL = frozenset({
    'name', 'email', 'employee_id', 'manager', 'hire_date', 'identifier', 'client', 'ip',
    'ip_address', 'typed_name', 'handle', 'display_name', 'display', 'user_name',
    'external_id', 'to_addr', 'cc_addr', 'phone',
})
#: Keys personal only in some actions: the claim value a company sign-in matched on.
PERSONAL_IN = {'sign_in.sso': {'value'}, 'sign_in.sso_refused': {'value'}}
BATCH = 2000

GUARDS = {
    'sqlite': (
        ["DROP TRIGGER IF EXISTS audit_events_no_update",
         "DROP TRIGGER IF EXISTS audit_events_no_delete"],
        ["CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
         "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
         "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
         "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"],
    ),
    'postgresql': (
        ["DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events"],
        ["CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
         "LANGUAGE plpgsql AS $$ BEGIN "
         "RAISE EXCEPTION 'audit_events is append-only'; END $$",
         "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
         "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"],
    ),
}


def upgrade():
    op.create_table(
        'sign_in_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('identifier', sa.String(length=254), nullable=True),
        sa.Column('client', sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_sign_in_attempts_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts')),
    )
    with op.batch_alter_table('sign_in_attempts') as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_at'), ['at'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_sign_in_attempts_user_id'), ['user_id'], unique=False
        )

    bind = op.get_bind()
    drop, create = GUARDS.get(bind.dialect.name, ([], []))
    for statement in drop:
        op.execute(statement)
    audit = sa.table(
        'audit_events', sa.column('id', sa.Integer), sa.column('action', sa.String),
        sa.column('before', sa.JSON), sa.column('after', sa.JSON),
    )
    _rewrite(bind, audit, ('before', 'after'))
    for statement in create:
        op.execute(statement)
    outbox = sa.table(
        'outbox_events', sa.column('id', sa.BigInteger), sa.column('kind', sa.String),
        sa.column('payload', sa.JSON),
    )
    _rewrite(bind, outbox, ('payload',))


def _rewrite(bind, table, columns):
    """Every row, a batch of ids at a time; only rows that held personal data change."""
    action = table.c.action if 'action' in table.c else table.c.kind
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, action, *(table.c[c] for c in columns))
            .where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            values = {c: scrub(row[1], row[2 + n]) for n, c in enumerate(columns)}
            if any(values[c] != row[2 + n] for n, c in enumerate(columns)):
                bind.execute(sa.update(table).where(table.c.id == row[0]).values(**values))
        last = rows[-1][0]


def scrub(action, value):
    if not isinstance(value, dict):
        return value
    personal = PERSONAL | PERSONAL_IN.get(action, set())
    if action.startswith('api_token.') and 'name' in value:
        value = {('token_name' if k == 'name' else k): v for k, v in value.items()}
    removed = sorted(k for k in value if k in personal)
    if not removed:
        return value
    kept = {k: v for k, v in value.items() if k not in personal}
    return kept | {'personal_data_removed': removed}


def downgrade():
    with op.batch_alter_table('sign_in_attempts') as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_user_id'))
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_at'))
    op.drop_table('sign_in_attempts')
