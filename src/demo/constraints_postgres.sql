-- After the rows: the parent's foreign keys and indexes. Only ix_users_email enforces unique
-- emails (the original users_email_key constraint was dropped).
ALTER TABLE public.proposals ADD CONSTRAINT proposals_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES public.users (id);
ALTER TABLE public.jobs ADD CONSTRAINT jobs_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES public.users (id);
ALTER TABLE public.conversions ADD CONSTRAINT fk_conversions_user_id
    FOREIGN KEY (user_id) REFERENCES public.users (id);
ALTER TABLE public.conversions ADD CONSTRAINT fk_conversions_user_id_users
    FOREIGN KEY (user_id) REFERENCES public.users (id) ON DELETE SET NULL;
ALTER TABLE public.conversions ADD CONSTRAINT conversions_proposal_id_fkey
    FOREIGN KEY (proposal_id) REFERENCES public.proposals (id);
CREATE UNIQUE INDEX ix_users_email ON public.users (email);
CREATE INDEX ix_jobs_visitor_session_id ON public.jobs (visitor_session_id);
CREATE INDEX ix_conversions_sha256 ON public.conversions (sha256);
CREATE INDEX ix_conversions_user_id ON public.conversions (user_id);
CREATE INDEX ix_conversions_visitor_session_id ON public.conversions (visitor_session_id);
CREATE INDEX ix_conversions_proposal_id ON public.conversions (proposal_id);
-- The rows came with their ids: move each sequence past them, as the application expects.
SELECT setval('public.api_keys_id_seq', (SELECT max(id) FROM public.api_keys));
SELECT setval('public.allowlist_id_seq', (SELECT max(id) FROM public.allowlist));
SELECT setval('public.users_id_seq', (SELECT max(id) FROM public.users));
SELECT setval('public.jobs_id_seq', GREATEST((SELECT max(id) FROM public.jobs), 1));
SELECT setval('public.proposals_id_seq', (SELECT max(id) FROM public.proposals));
SELECT setval('public.proposal_documents_id_seq', (SELECT max(id) FROM public.proposal_documents));
SELECT setval('public.requirements_id_seq', (SELECT max(id) FROM public.requirements));
