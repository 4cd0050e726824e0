-- hot indexes 2a301fa09a8a, downgrade (SQLite): back to the parent's index set exactly.
DROP INDEX IF EXISTS ix_conversions_sha256_status;
DROP INDEX IF EXISTS ix_conversions_status;
DROP INDEX IF EXISTS ix_jobs_created_at;
DROP INDEX IF EXISTS ix_jobs_status;
DROP INDEX IF EXISTS ix_jobs_user_id;
