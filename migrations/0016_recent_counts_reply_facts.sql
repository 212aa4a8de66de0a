-- Issue 9, the pages still slow at 1,000,000 conversations:
-- 1. The cluster tree's last-24-hours counts joined two days of conversations to cluster_members, which the planner
--    turned into a scan of every member. Each member now carries a copy of its conversation's start, so the counts
--    are one range of one index.
-- 2. Comparisons and drift read the text of a thousand conversations per side to measure answer lengths and
--    refusals. What they read is now kept per conversation in conversation_reply_facts, written by the flag job
--    for every new or changed conversation and, for any conversation it has not reached yet, by the first reader.
-- 3. The copies of a conversation's start, model and prompt version (in cluster_members here, in
--    conversation_intents since 0015) follow the conversation when it is re-ingested with other values; the reply
--    facts of a conversation whose messages change are dropped until they are computed again.

ALTER TABLE cluster_members ADD COLUMN started_at timestamptz;
UPDATE cluster_members m SET started_at = c.started_at FROM conversations c WHERE c.id = m.conversation_id;
CREATE INDEX cluster_members_recent ON cluster_members (project_id, started_at) INCLUDE (cluster_id)
    WHERE cluster_id IS NOT NULL;

-- Writers copy the start themselves (ClusterRunWriter, ClusterAssignments); any other insert gets it filled in.
CREATE FUNCTION parley_cluster_member_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.started_at IS NULL THEN
        SELECT c.started_at INTO NEW.started_at FROM conversations c WHERE c.id = NEW.conversation_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cluster_members_fill BEFORE INSERT ON cluster_members
    FOR EACH ROW EXECUTE FUNCTION parley_cluster_member_fill();

-- What a conversation's answers are, for comparisons and drift (ReplyFacts): the characters (Unicode scalars) of
-- its assistant messages and whether the refusal detector finds a refusal in them. answered = false: no assistant
-- message (such conversations are left out of the figures).
CREATE TABLE conversation_reply_facts (
    conversation_id bigint PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    answered boolean NOT NULL,
    characters integer NOT NULL,
    refused boolean NOT NULL
);

CREATE FUNCTION parley_conversation_copies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversation_intents i SET started_at = n.started_at, model = n.model, prompt_version = n.prompt_version
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE i.conversation_id = n.id
      AND (o.started_at, o.model, o.prompt_version) IS DISTINCT FROM (n.started_at, n.model, n.prompt_version);
    UPDATE cluster_members m SET started_at = n.started_at
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE m.conversation_id = n.id AND o.started_at IS DISTINCT FROM n.started_at;
    DELETE FROM conversation_reply_facts f
    USING new_rows n JOIN old_rows o ON o.id = n.id
    WHERE f.conversation_id = n.id AND o.messages IS DISTINCT FROM n.messages;
    RETURN NULL;
END $$;
CREATE TRIGGER conversations_copies_update AFTER UPDATE ON conversations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_conversation_copies();
