-- +goose Up

CREATE TABLE tenants (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A user is either the owner of exactly one tenant or support staff (no tenant).
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name  text        NOT NULL DEFAULT '' CHECK (length(display_name) <= 100),
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('owner', 'staff')),
    tenant_id     bigint      REFERENCES tenants (id) ON DELETE RESTRICT,
    disabled      boolean     NOT NULL DEFAULT false,
    -- Raised when the password is set: sessions opened before then end.
    session_epoch integer     NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_role_tenant CHECK ((role = 'owner') = (tenant_id IS NOT NULL))
);
CREATE INDEX users_tenant_idx ON users (tenant_id) WHERE tenant_id IS NOT NULL;

-- The POS option becomes usable on pos_usable_from (a calendar day in the
-- operator's time zone): the manuals allow linking from the fourth day after ordering.
CREATE TABLE cameras (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint      NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    device_id       text        NOT NULL CHECK (device_id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    model           text        NOT NULL DEFAULT '' CHECK (length(model) <= 100),
    pos_enabled     boolean     NOT NULL DEFAULT false,
    pos_usable_from date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cameras_device_id_key UNIQUE (device_id),
    CONSTRAINT cameras_pos_date CHECK (NOT pos_enabled OR pos_usable_from IS NOT NULL)
);
CREATE INDEX cameras_tenant_idx ON cameras (tenant_id, id);

-- scs session store.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea       NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed logins, counted per account and per client address for throttling.
-- Kept in the database so that every portal instance sees the same counts.
CREATE TABLE login_failures (
    id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key text        NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);

CREATE TABLE audit_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL,
    actor_id  bigint,
    action    text        NOT NULL,
    tenant_id bigint,
    target    text        NOT NULL,
    details   jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, at DESC) WHERE tenant_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE cameras;
DROP TABLE users;
DROP TABLE tenants;
