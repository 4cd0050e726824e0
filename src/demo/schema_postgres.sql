-- mdraft at revision add_visitor_session_to_jobs, as it stands on PostgreSQL. Foreign keys and
-- secondary indexes come after the rows (constraints_postgres.sql): loading is faster that way.
CREATE TABLE public.users (
    id SERIAL PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    stripe_customer_id VARCHAR(255),
    subscription_status VARCHAR(64) NOT NULL,
    plan VARCHAR(64) NOT NULL,
    last_login_at TIMESTAMP WITHOUT TIME ZONE,
    revoked BOOLEAN NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE TABLE public.proposals (
    id SERIAL PRIMARY KEY,
    user_id INTEGER,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    status VARCHAR(64) NOT NULL,
    visitor_session_id VARCHAR(64),
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE TABLE public.jobs (
    id SERIAL PRIMARY KEY,
    user_id INTEGER,
    filename VARCHAR(255) NOT NULL,
    status VARCHAR(64) NOT NULL,
    gcs_uri TEXT,
    output_uri TEXT,
    error_message TEXT,
    started_at TIMESTAMP WITHOUT TIME ZONE,
    completed_at TIMESTAMP WITHOUT TIME ZONE,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    visitor_session_id VARCHAR(64),
    CONSTRAINT ck_jobs_owner_present CHECK (user_id IS NOT NULL OR visitor_session_id IS NOT NULL)
);
CREATE TABLE public.conversions (
    id VARCHAR(36) PRIMARY KEY,
    filename VARCHAR(255) NOT NULL,
    status VARCHAR(20) NOT NULL,
    markdown TEXT,
    error TEXT,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    sha256 VARCHAR(64),
    original_mime VARCHAR(120),
    original_size INTEGER,
    stored_uri VARCHAR(512),
    expires_at TIMESTAMP WITHOUT TIME ZONE,
    user_id INTEGER,
    visitor_session_id VARCHAR(64),
    proposal_id INTEGER
);
CREATE TABLE public.api_keys (
    id SERIAL PRIMARY KEY,
    key_hash VARCHAR(128) NOT NULL UNIQUE,
    name VARCHAR(120),
    is_active BOOLEAN NOT NULL,
    rate_limit VARCHAR(64),
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE TABLE public.allowlist (
    id SERIAL PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    status VARCHAR(32) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE TABLE public.proposal_documents (
    id SERIAL PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES public.proposals (id) ON DELETE CASCADE,
    filename VARCHAR(255) NOT NULL,
    document_type VARCHAR(64) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE TABLE public.requirements (
    id SERIAL PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES public.proposals (id) ON DELETE CASCADE,
    requirement_id VARCHAR(64) NOT NULL,
    text TEXT NOT NULL,
    section VARCHAR(64),
    status VARCHAR(32) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL
);
CREATE TABLE public.alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
