-- hot indexes 2a301fa09a8a, upgrade (SQLite). IF NOT EXISTS: the parent already has four of them.
CREATE INDEX IF NOT EXISTS ix_conversions_sha256 ON conversions (sha256);
CREATE INDEX IF NOT EXISTS ix_conversions_status ON conversions (status);
CREATE INDEX IF NOT EXISTS ix_conversions_user_id ON conversions (user_id);
CREATE INDEX IF NOT EXISTS ix_conversions_visitor_session_id ON conversions (visitor_session_id);
CREATE INDEX IF NOT EXISTS ix_conversions_sha256_status ON conversions (sha256, status);
CREATE INDEX IF NOT EXISTS ix_jobs_user_id ON jobs (user_id);
CREATE INDEX IF NOT EXISTS ix_jobs_status ON jobs (status);
CREATE INDEX IF NOT EXISTS ix_jobs_created_at ON jobs (created_at);
CREATE INDEX IF NOT EXISTS ix_users_email ON users (email);
