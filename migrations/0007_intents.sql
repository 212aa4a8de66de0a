-- Intents (issue 7): a taxonomy per project, examples, human labels, versioned classifiers and the predicted
-- intent of every conversation.

CREATE TABLE intents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    -- How it was created: 'manual', 'import' or 'cluster' (promoted from cluster_id).
    source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import', 'cluster')),
    cluster_id bigint REFERENCES clusters (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX intents_name ON intents (project_id, lower(name));

-- Example utterances: the zero-shot classifier's prototypes.
CREATE TABLE intent_examples (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    intent_id bigint NOT NULL REFERENCES intents (id) ON DELETE CASCADE,
    project_id bigint NOT NULL,
    text text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intent_examples_intent ON intent_examples (intent_id);

-- Human labels, one per conversation (the latest wins). intent_id NULL = out of scope (none of the intents).
CREATE TABLE intent_labels (
    conversation_id bigint PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    project_id bigint NOT NULL,
    intent_id bigint REFERENCES intents (id) ON DELETE CASCADE,
    actor text NOT NULL,
    source text NOT NULL DEFAULT 'api',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intent_labels_project ON intent_labels (project_id, created_at);

-- Versioned classifiers with their held-out metrics. The active one classifies new conversations.
CREATE TABLE intent_models (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version integer NOT NULL,
    kind text NOT NULL CHECK (kind IN ('zero_shot', 'supervised')),
    embedding_model text NOT NULL,
    -- Class index → intent id.
    intent_ids bigint[] NOT NULL,
    -- The classifier (JSONEncoder bytes of `IntentModel`: prototypes or weights) and its rejection threshold.
    parameters bytea NOT NULL,
    threshold real NOT NULL,
    -- {"accuracy", "macro_f1", "in_scope_accuracy", "out_of_scope_recall", "held_out", "trained_on", ...}
    metrics jsonb NOT NULL DEFAULT '{}',
    active boolean NOT NULL DEFAULT false,
    -- Why it was (not) activated.
    note text NOT NULL DEFAULT '',
    labels_used integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, version)
);
CREATE UNIQUE INDEX intent_models_active ON intent_models (project_id) WHERE active;

-- The predicted intent of each conversation (NULL intent = unrecognized).
CREATE TABLE conversation_intents (
    conversation_id bigint PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    project_id bigint NOT NULL,
    intent_id bigint REFERENCES intents (id) ON DELETE SET NULL,
    confidence real NOT NULL,
    model_id bigint REFERENCES intent_models (id) ON DELETE SET NULL,
    classified_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_intents_intent ON conversation_intents (project_id, intent_id);
