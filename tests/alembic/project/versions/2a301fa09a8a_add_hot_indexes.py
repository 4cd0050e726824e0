"""add_hot_indexes: the published migration's operations, dialect by dialect.

PostgreSQL: nine CREATE INDEX IF NOT EXISTS (never CONCURRENTLY); the downgrade drops seven,
keeping ix_conversions_sha256 and ix_users_email. SQLite: nine op.create_index without IF NOT
EXISTS (so it fails on a parent that has ix_conversions_sha256); the downgrade drops all nine.
"""
from alembic import op

revision = "2a301fa09a8a"
down_revision = "add_visitor_session_to_jobs"
branch_labels = None
depends_on = None

# (name, table, columns) in the order the published upgrade creates them on each dialect.
POSTGRES_ORDER = [
    ("ix_conversions_sha256", "conversions", ["sha256"]),
    ("ix_conversions_status", "conversions", ["status"]),
    ("ix_conversions_user_id", "conversions", ["user_id"]),
    ("ix_conversions_visitor_session_id", "conversions", ["visitor_session_id"]),
    ("ix_jobs_user_id", "jobs", ["user_id"]),
    ("ix_jobs_status", "jobs", ["status"]),
    ("ix_jobs_created_at", "jobs", ["created_at"]),
    ("ix_users_email", "users", ["email"]),
    ("ix_conversions_sha256_status", "conversions", ["sha256", "status"]),
]
SQLITE_ORDER = [POSTGRES_ORDER[i] for i in (0, 1, 2, 3, 8, 4, 5, 6, 7)]
POSTGRES_DROPS = [
    "ix_conversions_sha256_status",
    "ix_conversions_visitor_session_id",
    "ix_conversions_user_id",
    "ix_conversions_status",
    "ix_jobs_created_at",
    "ix_jobs_status",
    "ix_jobs_user_id",
]
SQLITE_DROPS = [
    ("ix_conversions_sha256_status", "conversions"),
    ("ix_conversions_visitor_session_id", "conversions"),
    ("ix_conversions_user_id", "conversions"),
    ("ix_conversions_status", "conversions"),
    ("ix_conversions_sha256", "conversions"),
    ("ix_jobs_created_at", "jobs"),
    ("ix_jobs_status", "jobs"),
    ("ix_jobs_user_id", "jobs"),
    ("ix_users_email", "users"),
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, table, columns in POSTGRES_ORDER:
            op.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON public.{table} ({', '.join(columns)});"
            )
    else:
        for name, table, columns in SQLITE_ORDER:
            op.create_index(name, table, columns, unique=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_DROPS:
            op.execute(f"DROP INDEX IF EXISTS {name};")
    else:
        for name, table in SQLITE_DROPS:
            op.drop_index(name, table_name=table)
