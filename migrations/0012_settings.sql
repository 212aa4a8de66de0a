-- Imports uploaded from the dashboard (issue 9). The file waits in $PARLEY_HOME/imports until its `import` job has
-- read it, then is deleted; this row keeps what happened: the counts and the first rejected lines with reasons.

CREATE TABLE imports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    job_id bigint REFERENCES jobs (id) ON DELETE SET NULL,
    -- The name the file had on the uploader's machine (last path component only), shown on the page.
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    -- The name under $PARLEY_HOME/imports (generated, never from input).
    stored_name text NOT NULL,
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    -- 'jsonl', 'openai' or 'csv' as asked for; NULL to detect. `detected_format` is what the reader used.
    format text CHECK (format IN ('jsonl', 'openai', 'csv')),
    detected_format text,
    -- For CSV: which column holds what ({"user": "prompt", "assistant": "response", ...}); NULL to guess.
    csv_mapping jsonb,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    read_count integer NOT NULL DEFAULT 0,
    created_count integer NOT NULL DEFAULT 0,
    updated_count integer NOT NULL DEFAULT 0,
    duplicate_count integer NOT NULL DEFAULT 0,
    conflict_count integer NOT NULL DEFAULT 0,
    rejected_count integer NOT NULL DEFAULT 0,
    -- The first rejected lines: ["line 3: messages: is required", ...].
    rejections jsonb NOT NULL DEFAULT '[]',
    -- Why the whole file could not be read (unknown format, missing CSV column, ...).
    error text,
    -- The actor who uploaded it ('user:<id>').
    uploaded_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX imports_project ON imports (project_id, id DESC);
