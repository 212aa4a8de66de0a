-- Conversation list filters (issue 9): indexes that let a filtered, newest-first page of 50 be found without
-- reading most of the conversations. Measured at 1,000,000 conversations (see the report of issue 9): a filter
-- the newest rows rarely match otherwise walks the time index probing every row.

-- Feedback filters read the time order directly from partial indexes (a thumbs-down list no longer probes the
-- nine rows in ten without one; "with a comment" no longer scans everything when there are none).
CREATE INDEX conversations_thumb_down ON conversations (project_id, started_at DESC, id DESC) WHERE feedback_thumb = -1;
CREATE INDEX conversations_thumb_up ON conversations (project_id, started_at DESC, id DESC) WHERE feedback_thumb = 1;
CREATE INDEX conversations_commented ON conversations (project_id, started_at DESC, id DESC)
    WHERE feedback_comment IS NOT NULL AND feedback_comment <> '';

-- Intent filter: the active model's predictions of one intent, as an index-only scan.
CREATE INDEX conversation_intents_filter ON conversation_intents (project_id, model_id, intent_id, conversation_id);

-- Flag filters: by severity and by detector (rules use flags_rule); open triage items by conversation.
CREATE INDEX flags_severity ON flags (project_id, severity, conversation_id);
CREATE INDEX flags_detectors ON flags USING gin (detectors);
CREATE INDEX triage_items_unresolved ON triage_items (project_id, conversation_id) WHERE status IN ('open', 'in_review');

-- Metadata `key=value` uses `metadata @> $1::jsonb`, served by conversations_metadata (GIN, jsonb_path_ops) from
-- 0002; cluster filters use cluster_members_cluster from 0006.
