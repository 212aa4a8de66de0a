-- Version comparison and drift detection (issue 10).

-- A change point found by the drift job in one model's daily series of one metric. `day` is the first day of the
-- new level (UTC). Re-runs do not duplicate an alert: the job skips a change within three days of an existing
-- alert of the same model and metric.
CREATE TABLE drift_alerts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    model text NOT NULL,
    metric text NOT NULL CHECK (metric IN ('response_length', 'refusal_rate', 'flag_rate', 'intent_mix')),
    day date NOT NULL,
    direction text NOT NULL CHECK (direction IN ('up', 'down', 'shift')),
    -- The rate or mean before and after the change; for the intent mix, the share of the intent that moved most.
    before_value double precision NOT NULL,
    after_value double precision NOT NULL,
    -- Observations on each side (conversations, or sampled conversations for length and refusals).
    before_count integer NOT NULL,
    after_count integer NOT NULL,
    -- The permutation p-value (the search over days is accounted for) and the size of the change.
    p_value double precision NOT NULL,
    effect double precision NOT NULL,
    -- {"summary", "window": {"from", "to"}, "series": [{"day", "value", "n"}], "test": {…}, "intents": […]}
    evidence jsonb NOT NULL DEFAULT '{}',
    -- Conversations flagged (rule "Drift detected") as the first affected ones.
    flagged_conversations bigint[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged')),
    acknowledged_by text,
    acknowledged_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, model, metric, day)
);
CREATE INDEX drift_alerts_project ON drift_alerts (project_id, id DESC);
CREATE INDEX drift_alerts_open ON drift_alerts (project_id, id DESC) WHERE status = 'open';
