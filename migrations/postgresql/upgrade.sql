-- hot indexes 2a301fa09a8a, upgrade (PostgreSQL). CONCURRENTLY: each build lets writes go on.
-- Four of these exist at the parent (ix_conversions_sha256, ix_conversions_user_id,
-- ix_conversions_visitor_session_id, ix_users_email); IF NOT EXISTS leaves them as they are.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_conversions_sha256 ON public.conversions (sha256);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_conversions_status ON public.conversions (status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_conversions_user_id ON public.conversions (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_conversions_visitor_session_id ON public.conversions (visitor_session_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_jobs_user_id ON public.jobs (user_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_jobs_status ON public.jobs (status);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_jobs_created_at ON public.jobs (created_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_email ON public.users (email);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_conversions_sha256_status ON public.conversions (sha256, status);
