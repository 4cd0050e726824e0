-- hot indexes 2a301fa09a8a, the PUBLISHED downgrade (SQLite), for --like-alembic.
-- It drops all nine, the parent's four (the unique email index among them) included.
DROP INDEX ix_conversions_sha256_status;
DROP INDEX ix_conversions_visitor_session_id;
DROP INDEX ix_conversions_user_id;
DROP INDEX ix_conversions_status;
DROP INDEX ix_conversions_sha256;
DROP INDEX ix_jobs_created_at;
DROP INDEX ix_jobs_status;
DROP INDEX ix_jobs_user_id;
DROP INDEX ix_users_email;
