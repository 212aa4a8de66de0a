-- Issue 9: the conversation list filtered on a common metadata value (`tier=pro`, a third of a million
-- conversations at 1M) read every match through the GIN index on metadata and sorted them by time. The string and
-- boolean values of each conversation's metadata, at the top level and one level down (`customer.tier`), are now
-- also kept in conversation_metadata_values, in time order per key and value: the newest page of a filter is the
-- first rows of one index range (ConversationBrowser.list). The page still checks the containment on the
-- conversation itself, so these rows only choose what to read. Numbers, nulls, deeper paths and values longer
-- than 200 characters are not kept; such filters use the GIN index as before.

CREATE TABLE conversation_metadata_values (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key text NOT NULL,
    value text NOT NULL,
    started_at timestamptz NOT NULL,
    conversation_id bigint NOT NULL,
    CONSTRAINT conversation_metadata_values_key UNIQUE (project_id, key, value, started_at, conversation_id)
);

-- The (key, value) pairs kept for a metadata document.
CREATE FUNCTION parley_metadata_pairs(metadata jsonb) RETURNS TABLE (key text, value text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT e.key, e.value #>> '{}'
    FROM jsonb_each(CASE jsonb_typeof(metadata) WHEN 'object' THEN metadata END) e
    WHERE jsonb_typeof(e.value) IN ('string', 'boolean') AND length(e.key) <= 200 AND length(e.value #>> '{}') <= 200
    UNION
    SELECT e.key || '.' || n.key, n.value #>> '{}'
    FROM jsonb_each(CASE jsonb_typeof(metadata) WHEN 'object' THEN metadata END) e,
         jsonb_each(CASE jsonb_typeof(e.value) WHEN 'object' THEN e.value END) n
    WHERE jsonb_typeof(n.value) IN ('string', 'boolean') AND length(e.key) + length(n.key) < 200
      AND length(n.value #>> '{}') <= 200
$$;

-- Kept by statement-level triggers: inserted conversations add their pairs; an update that changes the metadata or
-- the start replaces them; deleted conversations (purge) take theirs away. Rows are written in key order.
CREATE FUNCTION parley_metadata_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO conversation_metadata_values (project_id, key, value, started_at, conversation_id)
        SELECT n.project_id, p.key, p.value, n.started_at, n.id
        FROM new_rows n CROSS JOIN LATERAL parley_metadata_pairs(n.metadata) p
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM conversation_metadata_values v
        USING (SELECT o.project_id, o.id, o.started_at, p.key, p.value
               FROM old_rows o CROSS JOIN LATERAL parley_metadata_pairs(o.metadata) p) gone
        WHERE v.project_id = gone.project_id AND v.key = gone.key AND v.value = gone.value
          AND v.started_at = gone.started_at AND v.conversation_id = gone.id;
    ELSE
        DELETE FROM conversation_metadata_values v
        USING (SELECT o.project_id, o.id, o.started_at, p.key, p.value
               FROM old_rows o JOIN new_rows n ON n.id = o.id
               CROSS JOIN LATERAL parley_metadata_pairs(o.metadata) p
               WHERE (n.metadata, n.started_at, n.project_id) IS DISTINCT FROM (o.metadata, o.started_at, o.project_id)) gone
        WHERE v.project_id = gone.project_id AND v.key = gone.key AND v.value = gone.value
          AND v.started_at = gone.started_at AND v.conversation_id = gone.id;
        INSERT INTO conversation_metadata_values (project_id, key, value, started_at, conversation_id)
        SELECT n.project_id, p.key, p.value, n.started_at, n.id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL parley_metadata_pairs(n.metadata) p
        WHERE (n.metadata, n.started_at, n.project_id) IS DISTINCT FROM (o.metadata, o.started_at, o.project_id)
          AND EXISTS (SELECT 1 FROM projects k WHERE k.id = n.project_id)
        ORDER BY 1, 2, 3, 4, 5
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

INSERT INTO conversation_metadata_values (project_id, key, value, started_at, conversation_id)
SELECT c.project_id, p.key, p.value, c.started_at, c.id
FROM conversations c CROSS JOIN LATERAL parley_metadata_pairs(c.metadata) p
ON CONFLICT DO NOTHING;
