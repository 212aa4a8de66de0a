-- Full-text search moves out of the ingest path: computing the vector and its GIN entry cost about 5/6 of the
-- time of storing a conversation (measured with \copy of 20k rows: 7.4 s with it, 1.4 s without). Stored
-- conversations queue their follow-up work in pending_work; background jobs consume it in batches.
ALTER TABLE conversations DROP COLUMN search;

CREATE TABLE conversation_search (
    conversation_id bigint PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    project_id bigint NOT NULL,
    search tsvector NOT NULL
);
CREATE INDEX conversation_search_terms ON conversation_search USING gin (search);

-- Work to do per conversation: 'embed' (a vector for the current model), 'search' (the search vector).
-- No foreign key, on purpose (it costs a trigger per stored conversation): the jobs skip ids that are gone.
CREATE TABLE pending_work (
    kind text NOT NULL,
    project_id bigint NOT NULL,
    conversation_id bigint NOT NULL,
    PRIMARY KEY (kind, project_id, conversation_id)
);

-- Conversations stored before this migration still need their search vector.
INSERT INTO pending_work (kind, conversation_id, project_id) SELECT 'search', id, project_id FROM conversations;
