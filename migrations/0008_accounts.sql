-- Dashboard accounts: users, their role in each project, server-side sessions and failed sign-ins.
-- (0006 and 0007 are reserved for clusters and intents; the migrator applies any missing number in order.)

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Kept as typed; unique regardless of case (users_email below).
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND strpos(email, '@') > 1),
    display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    -- PHC string: $pbkdf2-sha256$i=<iterations>$<salt>$<hash>; the parameters travel with the hash.
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz,
    disabled_at timestamptz
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- A user's role in a project: admin > reviewer > viewer. No row, no access.
CREATE TABLE project_memberships (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('admin', 'reviewer', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_memberships_user ON project_memberships (user_id);

-- Server-side sessions. The browser holds a random token; only its SHA-256 is stored, so a copy of this
-- table does not let anyone sign in. Any instance can serve any session.
CREATE TABLE sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The project the pages show; NULL until chosen (or when the project is gone).
    project_id bigint REFERENCES projects (id) ON DELETE SET NULL,
    -- Synchroniser token for every form of this session (OWASP CSRF cheat sheet).
    csrf_token text NOT NULL,
    -- A one-time message for the next page ("Saved."), as JSON {kind, message}.
    flash jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    -- Absolute end; the idle limit is checked against last_seen_at.
    expires_at timestamptz NOT NULL,
    ip text,
    user_agent text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed sign-ins, for rate limiting by email and address across every instance.
CREATE TABLE login_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Lowercased as typed (also for unknown accounts, so probing costs the same).
    email text NOT NULL,
    ip text NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_ip ON login_attempts (email, ip, attempted_at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, attempted_at);
