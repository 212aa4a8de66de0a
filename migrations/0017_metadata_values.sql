-- Issue 9: the conversation list filtered on a common metadata value (`tier=pro`, a third of a million
-- conversations at 1M) read every match through the GIN index on metadata and sorted them by time. Each string and
-- boolean value of a conversation's metadata, at the top level and one level down (`customer.tier`), is now also
-- kept in conversation_metadata_values as a 64-bit hash of `key=value`, in time order: the newest page of a filter
-- is the first rows of one index range (ConversationBrowser.list). The page still checks the containment on the
-- conversation itself, so a hash collision only costs a row read. Numbers, nulls and deeper paths are not kept;
-- such filters use the GIN index as before. The hash keeps the index small: with the key and value as text, ingest
-- paid 75–135 µs more per conversation, with the hash 30–50 µs (20,000 inserts into a table of 2M rows, the
-- machine shared with other runs).

CREATE TABLE conversation_metadata_values (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    pair bigint NOT NULL,
    started_at timestamptz NOT NULL,
    conversation_id bigint NOT NULL,
    CONSTRAINT conversation_metadata_values_key UNIQUE (project_id, pair, started_at, conversation_id)
);

-- The hash of one key and value (the text of a string or boolean).
CREATE FUNCTION parley_metadata_pair(key text, value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT hashtextextended(key || '=' || value, 0) $$;

-- The hashes kept for a metadata document.
CREATE FUNCTION parley_metadata_hashes(metadata jsonb) RETURNS SETOF bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT parley_metadata_pair(e.key, e.value #>> '{}')
    FROM jsonb_each(CASE jsonb_typeof(metadata) WHEN 'object' THEN metadata END) e
    WHERE jsonb_typeof(e.value) IN ('string', 'boolean')
    UNION ALL
    SELECT parley_metadata_pair(e.key || '.' || x.key, x.value #>> '{}')
    FROM jsonb_each(CASE jsonb_typeof(metadata) WHEN 'object' THEN metadata END) e
    CROSS JOIN LATERAL jsonb_each(CASE jsonb_typeof(e.value) WHEN 'object' THEN e.value END) x
    WHERE jsonb_typeof(x.value) IN ('string', 'boolean')
$$;

-- Kept by statement-level triggers: inserted conversations add their rows; an update that changes the metadata or
-- the start replaces them; deleted conversations (purge) take theirs away.
CREATE FUNCTION parley_metadata_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO conversation_metadata_values (project_id, pair, started_at, conversation_id)
        SELECT n.project_id, h, n.started_at, n.id FROM new_rows n CROSS JOIN LATERAL parley_metadata_hashes(n.metadata) h
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM conversation_metadata_values v
        USING (SELECT o.project_id, o.id, o.started_at, h
               FROM old_rows o CROSS JOIN LATERAL parley_metadata_hashes(o.metadata) h) gone
        WHERE v.project_id = gone.project_id AND v.pair = gone.h AND v.started_at = gone.started_at
          AND v.conversation_id = gone.id;
    ELSE
        DELETE FROM conversation_metadata_values v
        USING (SELECT o.project_id, o.id, o.started_at, h
               FROM old_rows o JOIN new_rows n ON n.id = o.id
               CROSS JOIN LATERAL parley_metadata_hashes(o.metadata) h
               WHERE (n.metadata, n.started_at, n.project_id) IS DISTINCT FROM (o.metadata, o.started_at, o.project_id)) gone
        WHERE v.project_id = gone.project_id AND v.pair = gone.h AND v.started_at = gone.started_at
          AND v.conversation_id = gone.id;
        INSERT INTO conversation_metadata_values (project_id, pair, started_at, conversation_id)
        SELECT n.project_id, h, n.started_at, n.id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL parley_metadata_hashes(n.metadata) h
        WHERE (n.metadata, n.started_at, n.project_id) IS DISTINCT FROM (o.metadata, o.started_at, o.project_id)
          AND EXISTS (SELECT 1 FROM projects k WHERE k.id = n.project_id)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER conversations_metadata_insert AFTER INSERT ON conversations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_metadata_values();
CREATE TRIGGER conversations_metadata_update AFTER UPDATE ON conversations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_metadata_values();
CREATE TRIGGER conversations_metadata_delete AFTER DELETE ON conversations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_metadata_values();

INSERT INTO conversation_metadata_values (project_id, pair, started_at, conversation_id)
SELECT c.project_id, h, c.started_at, c.id FROM conversations c CROSS JOIN LATERAL parley_metadata_hashes(c.metadata) h
ON CONFLICT DO NOTHING;
