-- hot indexes 2a301fa09a8a, downgrade (PostgreSQL): back to the parent's index set exactly.
-- Drops only what the parent did not have.
DROP INDEX CONCURRENTLY IF EXISTS public.ix_conversions_sha256_status;
DROP INDEX CONCURRENTLY IF EXISTS public.ix_conversions_status;
DROP INDEX CONCURRENTLY IF EXISTS public.ix_jobs_created_at;
DROP INDEX CONCURRENTLY IF EXISTS public.ix_jobs_status;
DROP INDEX CONCURRENTLY IF EXISTS public.ix_jobs_user_id;
