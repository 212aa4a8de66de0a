-- Replay sets (issue 10): conversations frozen as inputs (messages up to the last user turn) and original answers,
-- results of a new model or prompt stored as variants of each item, and blind pairwise verdicts between them.

CREATE TABLE replay_sets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- How the conversations were chosen: {"filter": {…}, "cluster": {"id", "name"}, "limit", "sample", "matched"}.
    source jsonb NOT NULL DEFAULT '{}',
    size integer NOT NULL DEFAULT 0
);
CREATE INDEX replay_sets_project ON replay_sets (project_id, id DESC);

-- One frozen conversation: later edits or deletion of the conversation do not change the set.
CREATE TABLE replay_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    set_id bigint NOT NULL REFERENCES replay_sets (id) ON DELETE CASCADE,
    -- 1, 2, … in the order of the conversations' start times.
    position integer NOT NULL,
    -- The stable id of exports and results: `rs<set>-<position>`.
    item_key text NOT NULL UNIQUE,
    conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL,
    external_id text NOT NULL,
    model text,
    prompt_version text,
    -- Messages up to and including the last user turn.
    input jsonb NOT NULL,
    -- The messages that followed it: the original answer.
    original jsonb NOT NULL,
    UNIQUE (set_id, position)
);

-- A new answer to an item, from the run named `label` (a model, a prompt version, …).
CREATE TABLE replay_variants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    set_id bigint NOT NULL REFERENCES replay_sets (id) ON DELETE CASCADE,
    item_id bigint NOT NULL REFERENCES replay_items (id) ON DELETE CASCADE,
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    model text,
    prompt_version text,
    output jsonb NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (item_id, label)
);
CREATE INDEX replay_variants_set ON replay_variants (set_id, label, item_id);

-- A reviewer's verdict on one (original, variant) comparison, shown blind: `variant_side` is the side (a = left)
-- the variant was shown on, `choice` what the reviewer picked, `winner` the choice mapped back.
CREATE TABLE pairwise_verdicts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    set_id bigint NOT NULL REFERENCES replay_sets (id) ON DELETE CASCADE,
    item_id bigint NOT NULL REFERENCES replay_items (id) ON DELETE CASCADE,
    variant_id bigint NOT NULL REFERENCES replay_variants (id) ON DELETE CASCADE,
    reviewer text NOT NULL,
    variant_side text NOT NULL CHECK (variant_side IN ('a', 'b')),
    choice text NOT NULL CHECK (choice IN ('a', 'b', 'tie', 'skip')),
    winner text NOT NULL CHECK (winner IN ('original', 'variant', 'tie', 'skip')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (variant_id, reviewer)
);
CREATE INDEX pairwise_verdicts_set ON pairwise_verdicts (set_id, id);
