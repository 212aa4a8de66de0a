-- Daily rollups (issue 9): the overview, the intents pages, the triage queue, the cluster tree and comparisons of
-- models read a few thousand rows per project instead of every conversation. Kept exact by statement-level
-- triggers with transition tables: one grouped upsert of signed deltas per statement (a bulk insert of 1,000
-- conversations touches a handful of rollup rows), in key order, so that concurrent writers lock rollup rows in the
-- same order and cannot deadlock. Rows of a project (or cluster) being deleted are skipped: the rollups go with it.
--
-- Conversations are never deleted one by one (only with their project, or by `parley purge`, which calls
-- parley_refresh_rollups for the days it emptied), so their trigger follows INSERT and UPDATE;
-- parley_refresh_rollups recomputes any range of days from the base tables. Days are UTC days of started_at.

CREATE TABLE conversation_daily_stats (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    day date NOT NULL,
    model text,
    prompt_version text,
    conversations bigint NOT NULL DEFAULT 0,
    messages bigint NOT NULL DEFAULT 0,
    thumbs_up bigint NOT NULL DEFAULT 0,
    thumbs_down bigint NOT NULL DEFAULT 0,
    ratings bigint NOT NULL DEFAULT 0,
    rating_sum bigint NOT NULL DEFAULT 0,
    rating_squares bigint NOT NULL DEFAULT 0,
    -- Conversations with at least one flag other than drift's (kept by the triggers on flags).
    flagged bigint NOT NULL DEFAULT 0,
    CONSTRAINT conversation_daily_stats_key UNIQUE NULLS NOT DISTINCT (project_id, day, model, prompt_version)
);

-- Distinct end users per day (counts of distinct users over several days cannot be added up from daily counts).
CREATE TABLE conversation_daily_users (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    day date NOT NULL,
    end_user_id text NOT NULL,
    PRIMARY KEY (project_id, day, end_user_id)
);

CREATE FUNCTION parley_conversation_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO conversation_daily_stats AS s (project_id, day, model, prompt_version, conversations, messages,
                                                   thumbs_up, thumbs_down, ratings, rating_sum, rating_squares)
        SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, count(*), sum(message_count),
               count(*) FILTER (WHERE feedback_thumb = 1), count(*) FILTER (WHERE feedback_thumb = -1),
               count(feedback_rating), coalesce(sum(feedback_rating), 0),
               coalesce(sum(feedback_rating * feedback_rating), 0)
        FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT conversation_daily_stats_key DO UPDATE SET
            conversations = s.conversations + EXCLUDED.conversations, messages = s.messages + EXCLUDED.messages,
            thumbs_up = s.thumbs_up + EXCLUDED.thumbs_up, thumbs_down = s.thumbs_down + EXCLUDED.thumbs_down,
            ratings = s.ratings + EXCLUDED.ratings, rating_sum = s.rating_sum + EXCLUDED.rating_sum,
            rating_squares = s.rating_squares + EXCLUDED.rating_squares;
    ELSE
        -- The rows whose counted columns changed: taken away as they were, added as they are.
        INSERT INTO conversation_daily_stats AS s (project_id, day, model, prompt_version, conversations, messages,
                                                   thumbs_up, thumbs_down, ratings, rating_sum, rating_squares)
        SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, sum(sign),
               sum(sign * message_count), coalesce(sum(sign) FILTER (WHERE feedback_thumb = 1), 0),
               coalesce(sum(sign) FILTER (WHERE feedback_thumb = -1), 0),
               coalesce(sum(sign) FILTER (WHERE feedback_rating IS NOT NULL), 0),
               coalesce(sum(sign * feedback_rating), 0), coalesce(sum(sign * feedback_rating * feedback_rating), 0)
        FROM (SELECT 1 AS sign, n.project_id, n.started_at, n.model, n.prompt_version, n.message_count,
                     n.feedback_thumb, n.feedback_rating
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (o.project_id, o.started_at, o.model, o.prompt_version, o.message_count, o.feedback_thumb, o.feedback_rating)
                    IS DISTINCT FROM
                    (n.project_id, n.started_at, n.model, n.prompt_version, n.message_count, n.feedback_thumb, n.feedback_rating)
              UNION ALL
              SELECT -1, o.project_id, o.started_at, o.model, o.prompt_version, o.message_count, o.feedback_thumb,
                     o.feedback_rating
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.project_id, o.started_at, o.model, o.prompt_version, o.message_count, o.feedback_thumb, o.feedback_rating)
                    IS DISTINCT FROM
                    (n.project_id, n.started_at, n.model, n.prompt_version, n.message_count, n.feedback_thumb, n.feedback_rating)
             ) changed
        GROUP BY 1, 2, 3, 4 HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id) ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT conversation_daily_stats_key DO UPDATE SET
            conversations = s.conversations + EXCLUDED.conversations, messages = s.messages + EXCLUDED.messages,
            thumbs_up = s.thumbs_up + EXCLUDED.thumbs_up, thumbs_down = s.thumbs_down + EXCLUDED.thumbs_down,
            ratings = s.ratings + EXCLUDED.ratings, rating_sum = s.rating_sum + EXCLUDED.rating_sum,
            rating_squares = s.rating_squares + EXCLUDED.rating_squares;
    END IF;
    INSERT INTO conversation_daily_users (project_id, day, end_user_id)
    SELECT DISTINCT project_id, (started_at AT TIME ZONE 'UTC')::date, end_user_id
    FROM new_rows WHERE end_user_id IS NOT NULL ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER conversations_rollups_insert AFTER INSERT ON conversations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_conversation_rollups();
CREATE TRIGGER conversations_rollups_update AFTER UPDATE ON conversations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_conversation_rollups();

-- Predictions per intent: the conversation's start, model and prompt version are copied into the prediction when
-- it is written (IntentClassifications.store), so that the rollup needs no join and an intent's latest
-- conversations are one index range. Writers that do not copy them (hand-written SQL) get them filled in.
ALTER TABLE conversation_intents ADD COLUMN started_at timestamptz, ADD COLUMN model text, ADD COLUMN prompt_version text;
UPDATE conversation_intents i SET started_at = c.started_at, model = c.model, prompt_version = c.prompt_version
FROM conversations c WHERE c.id = i.conversation_id;
CREATE INDEX conversation_intents_latest ON conversation_intents (project_id, intent_id, started_at DESC, conversation_id DESC);
-- The labelling queue walks predictions from the least confident (IntentLabelQueue), in all or in one intent.
CREATE INDEX conversation_intents_confidence ON conversation_intents (project_id, confidence, conversation_id);
CREATE INDEX conversation_intents_intent_confidence
    ON conversation_intents (project_id, intent_id, confidence, conversation_id);
DROP INDEX conversation_intents_intent;  -- a prefix of conversation_intents_intent_confidence

CREATE FUNCTION parley_intent_fill_conversation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.started_at IS NULL THEN
        SELECT c.started_at, c.model, c.prompt_version INTO NEW.started_at, NEW.model, NEW.prompt_version
        FROM conversations c WHERE c.id = NEW.conversation_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER conversation_intents_fill BEFORE INSERT OR UPDATE ON conversation_intents
    FOR EACH ROW EXECUTE FUNCTION parley_intent_fill_conversation();

CREATE TABLE intent_daily_stats (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    day date NOT NULL,
    model text,
    prompt_version text,
    -- The classifier version that made the predictions (intent_models.id), and the predicted intent (NULL: none).
    classifier_id bigint,
    intent_id bigint,
    conversations bigint NOT NULL DEFAULT 0,
    CONSTRAINT intent_daily_stats_key
        UNIQUE NULLS NOT DISTINCT (project_id, day, model, prompt_version, classifier_id, intent_id)
);

CREATE FUNCTION parley_intent_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO intent_daily_stats AS s (project_id, day, model, prompt_version, classifier_id, intent_id,
                                             conversations)
        SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, model_id, intent_id, count(*)
        FROM new_rows WHERE started_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ON CONSTRAINT intent_daily_stats_key DO UPDATE SET
            conversations = s.conversations + EXCLUDED.conversations;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO intent_daily_stats AS s (project_id, day, model, prompt_version, classifier_id, intent_id,
                                             conversations)
        SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, model_id, intent_id, -count(*)
        FROM old_rows WHERE started_at IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id)
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ON CONSTRAINT intent_daily_stats_key DO UPDATE SET
            conversations = s.conversations + EXCLUDED.conversations;
    ELSE
        INSERT INTO intent_daily_stats AS s (project_id, day, model, prompt_version, classifier_id, intent_id,
                                             conversations)
        SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, model_id, intent_id, sum(sign)
        FROM (SELECT 1 AS sign, n.project_id, n.started_at, n.model, n.prompt_version, n.model_id, n.intent_id
              FROM new_rows n JOIN old_rows o ON o.conversation_id = n.conversation_id
              WHERE (o.project_id, o.started_at, o.model, o.prompt_version, o.model_id, o.intent_id)
                    IS DISTINCT FROM (n.project_id, n.started_at, n.model, n.prompt_version, n.model_id, n.intent_id)
              UNION ALL
              SELECT -1, o.project_id, o.started_at, o.model, o.prompt_version, o.model_id, o.intent_id
              FROM old_rows o JOIN new_rows n ON n.conversation_id = o.conversation_id
              WHERE (o.project_id, o.started_at, o.model, o.prompt_version, o.model_id, o.intent_id)
                    IS DISTINCT FROM (n.project_id, n.started_at, n.model, n.prompt_version, n.model_id, n.intent_id)
             ) changed
        WHERE started_at IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id)
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ON CONSTRAINT intent_daily_stats_key DO UPDATE SET
            conversations = s.conversations + EXCLUDED.conversations;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER conversation_intents_rollups_insert AFTER INSERT ON conversation_intents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_intent_rollups();
CREATE TRIGGER conversation_intents_rollups_update AFTER UPDATE ON conversation_intents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_intent_rollups();
CREATE TRIGGER conversation_intents_rollups_delete AFTER DELETE ON conversation_intents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_intent_rollups();

-- Flagged conversations (at least one flag not raised by the drift job) per day, model and prompt version, and per
-- cluster. Flags are inserted and deleted by FlagWriter and rule deletion (their updates never change whether a
-- flag is drift's: drift owns its rule), so only INSERT and DELETE are followed.
ALTER TABLE cluster_daily_stats ADD COLUMN flagged integer NOT NULL DEFAULT 0;

CREATE FUNCTION parley_flag_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- Newly flagged: every non-drift flag the conversation has came in this statement.
        WITH added AS (
            SELECT conversation_id, count(*) AS n FROM new_rows WHERE NOT detectors @> '{drift}' GROUP BY 1),
        changed AS (
            SELECT a.conversation_id, 1 AS sign FROM added a
            WHERE (SELECT count(*) FROM flags f WHERE f.conversation_id = a.conversation_id
                     AND NOT f.detectors @> '{drift}') = a.n),
        conversation AS (
            SELECT c.id, c.project_id, (c.started_at AT TIME ZONE 'UTC')::date AS day, c.model, c.prompt_version,
                   changed.sign
            FROM changed JOIN conversations c ON c.id = changed.conversation_id),
        daily AS (
            INSERT INTO conversation_daily_stats AS s (project_id, day, model, prompt_version, flagged)
            SELECT project_id, day, model, prompt_version, sum(sign) FROM conversation
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT ON CONSTRAINT conversation_daily_stats_key DO UPDATE SET flagged = s.flagged + EXCLUDED.flagged
            RETURNING 1)
        INSERT INTO cluster_daily_stats AS s (project_id, cluster_id, day, model, prompt_version, flagged)
        SELECT c.project_id, m.cluster_id, c.day, coalesce(c.model, ''), coalesce(c.prompt_version, ''), sum(c.sign)
        FROM conversation c JOIN cluster_members m ON m.conversation_id = c.id
        WHERE m.cluster_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5 ORDER BY 2, 3, 4, 5
        ON CONFLICT (cluster_id, day, model, prompt_version) DO UPDATE SET flagged = s.flagged + EXCLUDED.flagged;
    ELSE
        -- No longer flagged: a non-drift flag went and none is left. (Conversations being deleted are gone from
        -- the join: their rollups are recomputed or deleted with them.)
        WITH changed AS (
            SELECT DISTINCT o.conversation_id, -1 AS sign FROM old_rows o
            WHERE NOT o.detectors @> '{drift}'
              AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = o.conversation_id
                                AND NOT f.detectors @> '{drift}')),
        conversation AS (
            SELECT c.id, c.project_id, (c.started_at AT TIME ZONE 'UTC')::date AS day, c.model, c.prompt_version,
                   changed.sign
            FROM changed JOIN conversations c ON c.id = changed.conversation_id
            WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id)),
        daily AS (
            INSERT INTO conversation_daily_stats AS s (project_id, day, model, prompt_version, flagged)
            SELECT project_id, day, model, prompt_version, sum(sign) FROM conversation
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT ON CONSTRAINT conversation_daily_stats_key DO UPDATE SET flagged = s.flagged + EXCLUDED.flagged
            RETURNING 1)
        INSERT INTO cluster_daily_stats AS s (project_id, cluster_id, day, model, prompt_version, flagged)
        SELECT c.project_id, m.cluster_id, c.day, coalesce(c.model, ''), coalesce(c.prompt_version, ''), sum(c.sign)
        FROM conversation c JOIN cluster_members m ON m.conversation_id = c.id
        WHERE m.cluster_id IS NOT NULL AND EXISTS (SELECT 1 FROM clusters k WHERE k.id = m.cluster_id)
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 2, 3, 4, 5
        ON CONFLICT (cluster_id, day, model, prompt_version) DO UPDATE SET flagged = s.flagged + EXCLUDED.flagged;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER flags_rollups_insert AFTER INSERT ON flags
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_flag_rollups();
CREATE TRIGGER flags_rollups_delete AFTER DELETE ON flags
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_flag_rollups();

-- Triage items per status, priority and assignee, and per detector: the queue's status tabs, team progress and
-- filter choices read these instead of every item.
CREATE TABLE triage_counts (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    status text NOT NULL,
    priority integer NOT NULL,
    assignee text,
    items bigint NOT NULL DEFAULT 0,
    CONSTRAINT triage_counts_key UNIQUE NULLS NOT DISTINCT (project_id, status, priority, assignee)
);
CREATE TABLE triage_detector_counts (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    detector text NOT NULL,
    items bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, detector)
);

CREATE FUNCTION parley_triage_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO triage_counts AS s (project_id, status, priority, assignee, items)
        SELECT project_id, status, priority, assignee, count(*) FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT triage_counts_key DO UPDATE SET items = s.items + EXCLUDED.items;
        INSERT INTO triage_detector_counts AS s (project_id, detector, items)
        SELECT project_id, d, count(*) FROM new_rows CROSS JOIN LATERAL unnest(detectors) AS d GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (project_id, detector) DO UPDATE SET items = s.items + EXCLUDED.items;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO triage_counts AS s (project_id, status, priority, assignee, items)
        SELECT project_id, status, priority, assignee, -count(*) FROM old_rows
        GROUP BY 1, 2, 3, 4 HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id) ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT triage_counts_key DO UPDATE SET items = s.items + EXCLUDED.items;
        INSERT INTO triage_detector_counts AS s (project_id, detector, items)
        SELECT project_id, d, -count(*) FROM old_rows CROSS JOIN LATERAL unnest(detectors) AS d
        GROUP BY 1, 2 HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id) ORDER BY 1, 2
        ON CONFLICT (project_id, detector) DO UPDATE SET items = s.items + EXCLUDED.items;
    ELSE
        INSERT INTO triage_counts AS s (project_id, status, priority, assignee, items)
        SELECT project_id, status, priority, assignee, sum(sign)
        FROM (SELECT 1 AS sign, n.project_id, n.status, n.priority, n.assignee
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (o.status, o.priority, o.assignee) IS DISTINCT FROM (n.status, n.priority, n.assignee)
              UNION ALL
              SELECT -1, o.project_id, o.status, o.priority, o.assignee
              FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.status, o.priority, o.assignee) IS DISTINCT FROM (n.status, n.priority, n.assignee)) changed
        GROUP BY 1, 2, 3, 4 HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id) ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT triage_counts_key DO UPDATE SET items = s.items + EXCLUDED.items;
        INSERT INTO triage_detector_counts AS s (project_id, detector, items)
        SELECT project_id, d, sum(sign)
        FROM (SELECT 1 AS sign, n.project_id, n.detectors FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE o.detectors IS DISTINCT FROM n.detectors
              UNION ALL
              SELECT -1, o.project_id, o.detectors FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE o.detectors IS DISTINCT FROM n.detectors) changed
        CROSS JOIN LATERAL unnest(detectors) AS d
        GROUP BY 1, 2 HAVING EXISTS (SELECT 1 FROM projects p WHERE p.id = project_id) ORDER BY 1, 2
        ON CONFLICT (project_id, detector) DO UPDATE SET items = s.items + EXCLUDED.items;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER triage_items_rollups_insert AFTER INSERT ON triage_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_triage_rollups();
CREATE TRIGGER triage_items_rollups_update AFTER UPDATE ON triage_items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_triage_rollups();
CREATE TRIGGER triage_items_rollups_delete AFTER DELETE ON triage_items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_triage_rollups();

-- Items closed today (team progress).
CREATE INDEX triage_items_closed ON triage_items (project_id, closed_at) WHERE closed_at IS NOT NULL;

-- Per cluster and day, all models and prompt versions together: the cluster tree reads these (a row per cluster and
-- day) instead of cluster_daily_stats (× models × prompt versions). Kept from cluster_daily_stats by a trigger,
-- whatever writes it (runs, incremental assignment, merges and splits, flags).
CREATE TABLE cluster_day_totals (
    project_id bigint NOT NULL,
    cluster_id bigint NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    day date NOT NULL,
    conversations bigint NOT NULL DEFAULT 0,
    outliers bigint NOT NULL DEFAULT 0,
    thumbs_up bigint NOT NULL DEFAULT 0,
    thumbs_down bigint NOT NULL DEFAULT 0,
    rating_sum bigint NOT NULL DEFAULT 0,
    rating_count bigint NOT NULL DEFAULT 0,
    flagged bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster_id, day)
);
CREATE INDEX cluster_day_totals_project ON cluster_day_totals (project_id, cluster_id);

CREATE FUNCTION parley_cluster_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO cluster_day_totals AS t (project_id, cluster_id, day, conversations, outliers, thumbs_up,
                                             thumbs_down, rating_sum, rating_count, flagged)
        SELECT project_id, cluster_id, day, sum(conversations), sum(outliers), sum(thumbs_up), sum(thumbs_down),
               sum(rating_sum), sum(rating_count), sum(flagged)
        FROM new_rows GROUP BY 1, 2, 3 ORDER BY 2, 3
        ON CONFLICT (cluster_id, day) DO UPDATE SET conversations = t.conversations + EXCLUDED.conversations,
            outliers = t.outliers + EXCLUDED.outliers, thumbs_up = t.thumbs_up + EXCLUDED.thumbs_up,
            thumbs_down = t.thumbs_down + EXCLUDED.thumbs_down, rating_sum = t.rating_sum + EXCLUDED.rating_sum,
            rating_count = t.rating_count + EXCLUDED.rating_count, flagged = t.flagged + EXCLUDED.flagged;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO cluster_day_totals AS t (project_id, cluster_id, day, conversations, outliers, thumbs_up,
                                             thumbs_down, rating_sum, rating_count, flagged)
        SELECT project_id, cluster_id, day, -sum(conversations), -sum(outliers), -sum(thumbs_up), -sum(thumbs_down),
               -sum(rating_sum), -sum(rating_count), -sum(flagged)
        FROM old_rows GROUP BY 1, 2, 3 HAVING EXISTS (SELECT 1 FROM clusters k WHERE k.id = cluster_id) ORDER BY 2, 3
        ON CONFLICT (cluster_id, day) DO UPDATE SET conversations = t.conversations + EXCLUDED.conversations,
            outliers = t.outliers + EXCLUDED.outliers, thumbs_up = t.thumbs_up + EXCLUDED.thumbs_up,
            thumbs_down = t.thumbs_down + EXCLUDED.thumbs_down, rating_sum = t.rating_sum + EXCLUDED.rating_sum,
            rating_count = t.rating_count + EXCLUDED.rating_count, flagged = t.flagged + EXCLUDED.flagged;
    ELSE
        INSERT INTO cluster_day_totals AS t (project_id, cluster_id, day, conversations, outliers, thumbs_up,
                                             thumbs_down, rating_sum, rating_count, flagged)
        SELECT project_id, cluster_id, day, sum(sign * conversations), sum(sign * outliers), sum(sign * thumbs_up),
               sum(sign * thumbs_down), sum(sign * rating_sum), sum(sign * rating_count), sum(sign * flagged)
        FROM (SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows) changed
        GROUP BY 1, 2, 3 HAVING EXISTS (SELECT 1 FROM clusters k WHERE k.id = cluster_id) ORDER BY 2, 3
        ON CONFLICT (cluster_id, day) DO UPDATE SET conversations = t.conversations + EXCLUDED.conversations,
            outliers = t.outliers + EXCLUDED.outliers, thumbs_up = t.thumbs_up + EXCLUDED.thumbs_up,
            thumbs_down = t.thumbs_down + EXCLUDED.thumbs_down, rating_sum = t.rating_sum + EXCLUDED.rating_sum,
            rating_count = t.rating_count + EXCLUDED.rating_count, flagged = t.flagged + EXCLUDED.flagged;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cluster_daily_stats_totals_insert AFTER INSERT ON cluster_daily_stats
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_cluster_day_totals();
CREATE TRIGGER cluster_daily_stats_totals_update AFTER UPDATE ON cluster_daily_stats
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_cluster_day_totals();
CREATE TRIGGER cluster_daily_stats_totals_delete AFTER DELETE ON cluster_daily_stats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION parley_cluster_day_totals();

-- Recomputes the rollups of a project for the days [first, last] from the base tables (parley purge; repairs).
CREATE FUNCTION parley_refresh_rollups(project bigint, first date, last date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz := first::timestamp AT TIME ZONE 'UTC';
    until timestamptz := (last + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    DELETE FROM conversation_daily_stats WHERE project_id = project AND day BETWEEN first AND last;
    INSERT INTO conversation_daily_stats (project_id, day, model, prompt_version, conversations, messages,
                                          thumbs_up, thumbs_down, ratings, rating_sum, rating_squares, flagged)
    SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, count(*), sum(message_count),
           count(*) FILTER (WHERE feedback_thumb = 1), count(*) FILTER (WHERE feedback_thumb = -1),
           count(feedback_rating), coalesce(sum(feedback_rating), 0),
           coalesce(sum(feedback_rating * feedback_rating), 0),
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id
                                            AND NOT f.detectors @> '{drift}'))
    FROM conversations c WHERE project_id = project AND started_at >= since AND started_at < until
    GROUP BY 1, 2, 3, 4;
    DELETE FROM conversation_daily_users WHERE project_id = project AND day BETWEEN first AND last;
    INSERT INTO conversation_daily_users (project_id, day, end_user_id)
    SELECT DISTINCT project_id, (started_at AT TIME ZONE 'UTC')::date, end_user_id
    FROM conversations
    WHERE project_id = project AND started_at >= since AND started_at < until AND end_user_id IS NOT NULL;
    DELETE FROM intent_daily_stats WHERE project_id = project AND day BETWEEN first AND last;
    INSERT INTO intent_daily_stats (project_id, day, model, prompt_version, classifier_id, intent_id, conversations)
    SELECT project_id, (started_at AT TIME ZONE 'UTC')::date, model, prompt_version, model_id, intent_id, count(*)
    FROM conversation_intents WHERE project_id = project AND started_at >= since AND started_at < until
    GROUP BY 1, 2, 3, 4, 5, 6;
    -- Cluster statistics as ClusterStatistics writes them (cluster_day_totals follows by its trigger).
    DELETE FROM cluster_daily_stats WHERE project_id = project AND day BETWEEN first AND last;
    INSERT INTO cluster_daily_stats (project_id, cluster_id, day, model, prompt_version, conversations, outliers,
                                     thumbs_up, thumbs_down, rating_sum, rating_count, flagged)
    SELECT m.project_id, m.cluster_id, (c.started_at AT TIME ZONE 'UTC')::date, coalesce(c.model, ''),
           coalesce(c.prompt_version, ''), count(*), count(*) FILTER (WHERE m.is_outlier),
           count(*) FILTER (WHERE c.feedback_thumb = 1), count(*) FILTER (WHERE c.feedback_thumb = -1),
           coalesce(sum(c.feedback_rating), 0), count(c.feedback_rating),
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM flags f WHERE f.conversation_id = c.id
                                            AND NOT f.detectors @> '{drift}'))
    FROM cluster_members m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.project_id = project AND m.cluster_id IS NOT NULL AND c.started_at >= since AND c.started_at < until
    GROUP BY 1, 2, 3, 4, 5;
END $$;

-- What is there already: cluster_day_totals starts from the cluster statistics as they are, then every project's
-- rollups are computed over all its days (cluster statistics too, which gains them their flagged counts), and the
-- triage counts.
INSERT INTO cluster_day_totals (project_id, cluster_id, day, conversations, outliers, thumbs_up, thumbs_down,
                                rating_sum, rating_count, flagged)
SELECT project_id, cluster_id, day, sum(conversations), sum(outliers), sum(thumbs_up), sum(thumbs_down),
       sum(rating_sum), sum(rating_count), sum(flagged)
FROM cluster_daily_stats GROUP BY 1, 2, 3;
SELECT parley_refresh_rollups(p.id, d.first, d.last)
FROM projects p
CROSS JOIN LATERAL (SELECT min((started_at AT TIME ZONE 'UTC')::date) AS first,
                           max((started_at AT TIME ZONE 'UTC')::date) AS last
                    FROM conversations c WHERE c.project_id = p.id) d
WHERE d.first IS NOT NULL;
INSERT INTO triage_counts (project_id, status, priority, assignee, items)
SELECT project_id, status, priority, assignee, count(*) FROM triage_items GROUP BY 1, 2, 3, 4;
INSERT INTO triage_detector_counts (project_id, detector, items)
SELECT project_id, d, count(*) FROM triage_items CROSS JOIN LATERAL unnest(detectors) AS d GROUP BY 1, 2;
