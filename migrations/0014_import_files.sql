-- Several instances (issue 11). An uploaded import file used to wait on the disk of the server that received it,
-- so a worker on another machine could not read it. It now waits in PostgreSQL: the upload is written as ordered
-- chunks, the `import` job reads them back in order (on any instance) and deletes them when it finishes. The
-- `imports` row keeps what happened, as before; `stored_name` remains as a label of the upload.
CREATE TABLE import_chunks (
    import_id bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    -- 0, 1, 2, … in file order.
    seq integer NOT NULL CHECK (seq >= 0),
    -- At most a megabyte each, so neither writing nor reading holds a whole file in one value.
    data bytea NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- `parley purge` deletes old conversations in batches; the cascades and SET NULLs of these foreign keys look rows up
-- by conversation id, and without an index each deleted conversation would scan the whole table.
CREATE INDEX cluster_map_points_conversation ON cluster_map_points (conversation_id);
CREATE INDEX intent_examples_conversation ON intent_examples (conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX replay_items_conversation ON replay_items (conversation_id) WHERE conversation_id IS NOT NULL;
