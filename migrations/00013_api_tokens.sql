-- +goose Up

-- Bearer tokens of the viewer JSON API, created by a tenant's owner. Only
-- the SHA-256 of a token is kept: a copy of the table grants nothing. A
-- token reads its tenant's data only (the API has no writes); it ends at
-- expires_at, when set, or when revoked. Rows are never deleted, so the
-- list keeps what was revoked and the audit log's targets stay named.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint      NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   bytea       NOT NULL CHECK (length(token_hash) = 32),
    created_by   bigint      REFERENCES users (id) ON DELETE RESTRICT,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    -- Moved at most once a minute per token (see apitoken.Store.Authenticate).
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id, id);

-- +goose Down
DROP TABLE api_tokens;
