-- The parent's own indexes, built after the rows are in.
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE INDEX ix_jobs_visitor_session_id ON jobs (visitor_session_id);
CREATE INDEX ix_conversions_sha256 ON conversions (sha256);
CREATE INDEX ix_conversions_user_id ON conversions (user_id);
CREATE INDEX ix_conversions_visitor_session_id ON conversions (visitor_session_id);
CREATE INDEX ix_conversions_proposal_id ON conversions (proposal_id);
CREATE INDEX ix_proposal_documents_proposal_id ON proposal_documents (proposal_id);
CREATE INDEX ix_requirements_proposal_id ON requirements (proposal_id);
