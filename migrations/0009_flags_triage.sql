-- Flags, team triage, audit log (issue 8).
--
-- Actors. Everything a person or a key does is recorded with an actor string: 'user:<users.id>' for a signed-in
-- user of the dashboard, 'api-key:<api_keys.id>' for an API key. Assignees and reviewers use the same strings,
-- so one column holds either kind; the application checks that the user is a member of the project (or that
-- the key belongs to it) before storing one.

-- A flag rule: a condition tree (see FlagCondition) with a severity. `phase` says when it can be evaluated:
-- 'ingest' rules only read the stored conversation; 'embedded' rules also read the vector or the cluster, so they
-- run after embedding.
CREATE TABLE flag_rules (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    enabled boolean NOT NULL DEFAULT true,
    condition jsonb NOT NULL,
    phase text NOT NULL CHECK (phase IN ('ingest', 'embedded')),
    -- Bumped by every change; a re-evaluation job carries the version it evaluates.
    version integer NOT NULL DEFAULT 1,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flag_rules_project ON flag_rules (project_id, id);

-- One flag per conversation and rule: why it fired. spans = [{message_index, start, end, excerpt, detector}]
-- with offsets in Unicode scalars (code points) of the message's text, end exclusive; message_index is null
-- for conversation-level evidence (negative feedback, no reply, a cluster, an embedding score).
CREATE TABLE flags (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    rule_id bigint NOT NULL REFERENCES flag_rules (id) ON DELETE CASCADE,
    severity text NOT NULL,
    -- The detectors (condition kinds) whose evidence made the rule fire: 'keywords', 'regex', 'pii', ….
    detectors text[] NOT NULL,
    reason text NOT NULL,
    spans jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, rule_id)
);
CREATE INDEX flags_project ON flags (project_id, created_at DESC);
CREATE INDEX flags_rule ON flags (rule_id);

-- The triage queue: one item per flagged conversation. priority = rank of the highest severity among its flags
-- (1 low, 2 medium, 3 high, 4 critical).
CREATE TABLE triage_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_review', 'resolved', 'dismissed')),
    priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
    -- The rules and detectors of its flags, kept by the flag writer, so that filtering on them reads no other table.
    rule_ids bigint[] NOT NULL DEFAULT '{}',
    detectors text[] NOT NULL DEFAULT '{}',
    -- An actor string (see the top of this file), or NULL when unassigned.
    assignee text CHECK (length(assignee) <= 200),
    -- How many reviewers must rate the item (hidden votes until each has voted).
    required_reviews smallint NOT NULL DEFAULT 1 CHECK (required_reviews BETWEEN 1 AND 10),
    -- Actors invited to review, beyond the assignee.
    reviewers text[] NOT NULL DEFAULT '{}',
    labels text[] NOT NULL DEFAULT '{}',
    -- The answer the assistant should have given; replaces the last assistant turn in fine-tuning exports.
    corrected_answer text CHECK (length(corrected_answer) <= 100000),
    resolution text CHECK (length(resolution) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_flagged_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz
);
-- The queue's order is (-priority, created_at, id): highest priority, then oldest. Indexing the negated priority
-- makes that one ascending row value, so keyset pages are plain row comparisons that an index range serves.
-- take-next: the same order among open items.
CREATE INDEX triage_items_next ON triage_items (project_id, (-priority), created_at, id) WHERE status = 'open';
CREATE INDEX triage_items_rank ON triage_items (project_id, (-priority), created_at, id);
CREATE INDEX triage_items_status ON triage_items (project_id, status, (-priority), created_at, id);
CREATE INDEX triage_items_created ON triage_items (project_id, created_at DESC, id DESC);
CREATE INDEX triage_items_updated ON triage_items (project_id, updated_at DESC, id DESC);
CREATE INDEX triage_items_assignee ON triage_items (project_id, assignee, status) WHERE assignee IS NOT NULL;
CREATE INDEX triage_items_labels ON triage_items USING gin (labels);
-- Status and assignee are correlated (open items are mostly unassigned): without these statistics the planner
-- expects "in_review, assigned to X" in every 10th row and scans the whole queue in order to find none.
CREATE STATISTICS triage_items_status_assignee (mcv, dependencies) ON status, assignee FROM triage_items;

-- What a rating rates: per project, e.g. helpfulness, correctness, safety.
CREATE TABLE triage_rubric (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    position integer NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, key)
);

-- A reviewer's 1–5 score of an item on one rubric entry (their vote).
CREATE TABLE triage_ratings (
    item_id bigint NOT NULL REFERENCES triage_items (id) ON DELETE CASCADE,
    reviewer text NOT NULL,
    rubric text NOT NULL,
    score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, reviewer, rubric)
);

CREATE TABLE triage_comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES triage_items (id) ON DELETE CASCADE,
    author text NOT NULL,
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX triage_comments_item ON triage_comments (item_id, id);

-- Every change to rules and triage: who, what, when, and the row before and after (NULL when created/deleted).
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    actor text NOT NULL,
    action text NOT NULL,
    entity text NOT NULL,
    entity_id bigint,
    before jsonb,
    after jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_project ON audit_log (project_id, id DESC);
CREATE INDEX audit_log_entity ON audit_log (project_id, entity, entity_id, id DESC);
