-- mdraft at revision add_visitor_session_to_jobs, as Alembic + SQLAlchemy leave it on SQLite.
CREATE TABLE users (
    id INTEGER NOT NULL,
    email VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    stripe_customer_id VARCHAR(255),
    subscription_status VARCHAR(64) NOT NULL,
    plan VARCHAR(64) NOT NULL,
    last_login_at DATETIME,
    revoked BOOLEAN NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (email)
);
CREATE TABLE proposals (
    id INTEGER NOT NULL,
    user_id INTEGER,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    status VARCHAR(64) NOT NULL,
    visitor_session_id VARCHAR(64),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE TABLE jobs (
    id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    filename VARCHAR(255) NOT NULL,
    status VARCHAR(64) NOT NULL,
    gcs_uri TEXT,
    output_uri TEXT,
    error_message TEXT,
    started_at DATETIME,
    completed_at DATETIME,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    visitor_session_id VARCHAR(64),
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE TABLE conversions (
    id VARCHAR(36) NOT NULL,
    filename VARCHAR(255) NOT NULL,
    status VARCHAR(20) NOT NULL,
    markdown TEXT,
    error TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    sha256 VARCHAR(64),
    original_mime VARCHAR(120),
    original_size INTEGER,
    stored_uri VARCHAR(512),
    expires_at DATETIME,
    user_id INTEGER,
    visitor_session_id VARCHAR(64),
    proposal_id INTEGER,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id),
    FOREIGN KEY(proposal_id) REFERENCES proposals (id)
);
CREATE TABLE api_keys (
    id INTEGER NOT NULL,
    key_hash VARCHAR(128) NOT NULL,
    name VARCHAR(120),
    is_active BOOLEAN NOT NULL,
    rate_limit VARCHAR(64),
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (key_hash)
);
CREATE TABLE allowlist (
    id INTEGER NOT NULL,
    email VARCHAR(255) NOT NULL,
    status VARCHAR(32) NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (email)
);
CREATE TABLE proposal_documents (
    id INTEGER NOT NULL,
    proposal_id INTEGER NOT NULL,
    filename VARCHAR(255) NOT NULL,
    document_type VARCHAR(64) NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(proposal_id) REFERENCES proposals (id) ON DELETE CASCADE
);
CREATE TABLE requirements (
    id INTEGER NOT NULL,
    proposal_id INTEGER NOT NULL,
    requirement_id VARCHAR(64) NOT NULL,
    text TEXT NOT NULL,
    section VARCHAR(64),
    status VARCHAR(32) NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(proposal_id) REFERENCES proposals (id) ON DELETE CASCADE
);
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
