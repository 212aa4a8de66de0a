-- Clustering (issue 6). A cluster run groups every embedded conversation of a project; its clusters are matched to
-- the previous run's, so a cluster keeps its id, human-given name and history for as long as it exists.

CREATE TABLE cluster_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    job_id bigint,
    model text NOT NULL,
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    -- The k asked for; NULL = automatic.
    requested_clusters integer,
    conversation_count integer,
    cluster_count integer,
    outlier_count integer,
    -- Matching against the previous run: counts of matched, new, vanished, split and merged clusters.
    summary jsonb NOT NULL DEFAULT '{}',
    seconds double precision,
    error text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX cluster_runs_project ON cluster_runs (project_id, id DESC);

-- Clusters (level 0) and the groups above them (levels 1 and 2). Ids are stable across runs.
CREATE TABLE clusters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    level smallint NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 2),
    parent_id bigint REFERENCES clusters (id) ON DELETE SET NULL,
    -- 'active' in the latest run; 'vanished' when no later cluster matched it; 'merged' into another by a human.
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'vanished', 'merged')),
    merged_into bigint REFERENCES clusters (id) ON DELETE SET NULL,
    -- The name built from keywords, replaced every run; a human's name wins and survives re-runs.
    auto_name text NOT NULL DEFAULT '',
    custom_name text CHECK (length(custom_name) BETWEEN 1 AND 200),
    -- A name and one-sentence description from the optional LLM naming job (PII redacted); below a human name.
    llm_name text,
    description text,
    -- Pinned: its name and identity are kept even through a weak match, and it is never renamed.
    pinned boolean NOT NULL DEFAULT false,
    -- [{"term": …, "weight": …}], best first.
    keywords jsonb NOT NULL DEFAULT '[]',
    -- Conversation ids closest to the centroid, best first.
    representatives bigint[] NOT NULL DEFAULT '{}',
    -- Unit centroid as little-endian float32 (NULL for groups without one).
    centroid bytea,
    radius real,
    size integer NOT NULL DEFAULT 0,
    outliers integer NOT NULL DEFAULT 0,
    -- Position on the 2-D map.
    x real,
    y real,
    first_run_id bigint REFERENCES cluster_runs (id) ON DELETE SET NULL,
    last_run_id bigint REFERENCES cluster_runs (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clusters_project ON clusters (project_id, status, level, size DESC);

-- The cluster of every assigned conversation. cluster_id NULL = unassigned (too far from every cluster).
CREATE TABLE cluster_members (
    conversation_id bigint PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    project_id bigint NOT NULL,
    cluster_id bigint REFERENCES clusters (id) ON DELETE SET NULL,
    similarity real NOT NULL,
    is_outlier boolean NOT NULL DEFAULT false,
    -- The run that assigned it; NULL when assigned incrementally after embedding.
    run_id bigint,
    assigned_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cluster_members_cluster ON cluster_members (cluster_id, similarity DESC, conversation_id);
CREATE INDEX cluster_members_unassigned ON cluster_members (project_id) WHERE cluster_id IS NULL;

-- A sample of conversations placed on the 2-D map of the latest run.
CREATE TABLE cluster_map_points (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    cluster_id bigint REFERENCES clusters (id) ON DELETE CASCADE,
    x real NOT NULL,
    y real NOT NULL,
    PRIMARY KEY (project_id, conversation_id)
);

-- The history of clusters: created, matched across runs, split, merged, vanished, renamed, pinned, edited.
CREATE TABLE cluster_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    run_id bigint REFERENCES cluster_runs (id) ON DELETE SET NULL,
    kind text NOT NULL CHECK (kind IN ('new', 'vanished', 'reappeared', 'split', 'merge', 'renamed', 'pinned',
                                       'unpinned', 'merged_by_user', 'split_by_user')),
    cluster_id bigint REFERENCES clusters (id) ON DELETE CASCADE,
    related bigint[] NOT NULL DEFAULT '{}',
    actor text,
    detail jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cluster_events_cluster ON cluster_events (cluster_id, id DESC);
CREATE INDEX cluster_events_project ON cluster_events (project_id, id DESC);

-- Per cluster, day, model and prompt version: counts kept current by runs, incremental assignment and edits, so
-- sizes, trends and breakdowns read a few thousand rows instead of every member.
CREATE TABLE cluster_daily_stats (
    project_id bigint NOT NULL,
    cluster_id bigint NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
    day date NOT NULL,
    model text NOT NULL DEFAULT '',
    prompt_version text NOT NULL DEFAULT '',
    conversations integer NOT NULL DEFAULT 0,
    outliers integer NOT NULL DEFAULT 0,
    thumbs_up integer NOT NULL DEFAULT 0,
    thumbs_down integer NOT NULL DEFAULT 0,
    rating_sum integer NOT NULL DEFAULT 0,
    rating_count integer NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster_id, day, model, prompt_version)
);
CREATE INDEX cluster_daily_stats_project ON cluster_daily_stats (project_id, day);
