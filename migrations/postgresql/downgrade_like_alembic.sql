-- hot indexes 2a301fa09a8a, the PUBLISHED downgrade (PostgreSQL), for --like-alembic.
-- It also drops ix_conversions_visitor_session_id and ix_conversions_user_id, which the parent had.
DROP INDEX IF EXISTS ix_conversions_sha256_status;
DROP INDEX IF EXISTS ix_conversions_visitor_session_id;
DROP INDEX IF EXISTS ix_conversions_user_id;
DROP INDEX IF EXISTS ix_conversions_status;
DROP INDEX IF EXISTS ix_jobs_created_at;
DROP INDEX IF EXISTS ix_jobs_status;
DROP INDEX IF EXISTS ix_jobs_user_id;
