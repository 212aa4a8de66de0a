-- Background jobs: claimed with FOR UPDATE SKIP LOCKED, held by an expiring lease renewed by heartbeat.
CREATE TABLE jobs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint REFERENCES projects (id) ON DELETE CASCADE,
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    -- queued → running → succeeded | dead | cancelled; a failed attempt goes back to queued with a delay.
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
    progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    progress_message text NOT NULL DEFAULT '',
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    error text,
    -- At most one queued or running job per key (for example one clustering run per project).
    singleton_key text,
    run_after timestamptz NOT NULL DEFAULT now(),
    locked_by text,
    lease_expires_at timestamptz,
    cancel_requested boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);

CREATE INDEX jobs_ready ON jobs (run_after, id) WHERE status = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_project ON jobs (project_id, created_at DESC);
CREATE UNIQUE INDEX jobs_singleton ON jobs (singleton_key)
    WHERE singleton_key IS NOT NULL AND status IN ('queued', 'running');
