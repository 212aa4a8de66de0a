-- Ingestion: API keys and conversations.

CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name text NOT NULL DEFAULT '',
    -- The visible part of the key (`prl_<prefix>_<secret>`), unique, for lookup and display.
    prefix text NOT NULL UNIQUE,
    -- SHA-256 of the whole key; the key itself is shown once and never stored.
    secret_hash bytea NOT NULL,
    -- What the key may do: 'ingest' (write conversations), 'read' (read them back).
    scopes text[] NOT NULL DEFAULT '{ingest,read}',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE conversations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- The client's own id: the idempotency key within a project.
    external_id text NOT NULL,
    model text,
    prompt_version text,
    end_user_id text,
    session_id text,
    started_at timestamptz NOT NULL,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    message_count integer NOT NULL,
    -- [{role, content (text or OpenAI content parts), name?, tool_calls?, tool_call_id?, created_at?}]
    messages jsonb NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    tags text[] NOT NULL DEFAULT '{}',
    feedback_thumb smallint CHECK (feedback_thumb IN (-1, 1)),
    feedback_rating smallint CHECK (feedback_rating BETWEEN 1 AND 5),
    feedback_comment text,
    -- SHA-256 (hex) of the canonical payload: the same id and hash again is a duplicate.
    content_hash text NOT NULL,
    search tsvector GENERATED ALWAYS AS (jsonb_to_tsvector('english'::regconfig, messages, '["string"]')) STORED,
    UNIQUE (project_id, external_id)
);

CREATE INDEX conversations_time ON conversations (project_id, started_at DESC, id DESC);
CREATE INDEX conversations_model ON conversations (project_id, model, started_at DESC);
CREATE INDEX conversations_prompt ON conversations (project_id, prompt_version, started_at DESC);
CREATE INDEX conversations_user ON conversations (project_id, end_user_id) WHERE end_user_id IS NOT NULL;
CREATE INDEX conversations_session ON conversations (project_id, session_id) WHERE session_id IS NOT NULL;
CREATE INDEX conversations_metadata ON conversations USING gin (metadata jsonb_path_ops);
CREATE INDEX conversations_tags ON conversations USING gin (tags);
CREATE INDEX conversations_search ON conversations USING gin (search);
