-- One vector per conversation and model: little-endian float32, L2-normalised (see docs: what text is embedded).
CREATE TABLE conversation_embeddings (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    model text NOT NULL,
    vector bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, model)
);
CREATE INDEX conversation_embeddings_project ON conversation_embeddings (project_id, model, conversation_id);
