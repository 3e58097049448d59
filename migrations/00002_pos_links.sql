-- +goose Up

-- Composite keys let the tables below prove, in the database, that a
-- binding's connection and camera belong to the binding's tenant.
ALTER TABLE cameras ADD CONSTRAINT cameras_tenant_id_key UNIQUE (tenant_id, id);

-- A linked POS account: a Ubiregi account (OAuth2 grant) or a Smaregi
-- contract (client credentials, or the legacy access token). One POS account
-- belongs to one tenant: a second tenant linking it is refused.
CREATE TABLE pos_connections (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id          bigint      NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    provider           text        NOT NULL CHECK (provider IN ('ubiregi', 'smaregi')),
    -- Ubiregi account ID or Smaregi contract ID.
    external_id        text        NOT NULL CHECK (length(external_id) BETWEEN 1 AND 64),
    -- The POS account's name as the provider reports it, and the owner's memo.
    name               text        NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    memo               text        NOT NULL DEFAULT '' CHECK (length(memo) <= 200),
    -- oauth2 (Ubiregi), client_credentials (Smaregi), legacy_token (old Smaregi).
    auth_kind          text        NOT NULL CHECK (auth_kind IN ('oauth2', 'client_credentials', 'legacy_token')),
    -- Tokens and secrets, sealed with AES-256-GCM; the key ID is inside.
    credentials        bytea       NOT NULL,
    -- Raised on every credentials change: a refresh saves its rotated
    -- tokens only if nobody else saved theirs in between.
    credentials_version integer    NOT NULL DEFAULT 1,
    -- When the access token expires, for refreshing ahead of time.
    access_expires_at  timestamptz,
    status             text        NOT NULL DEFAULT 'active'
                                   CHECK (status IN ('active', 'reauth_required', 'update_required')),
    status_detail      text        NOT NULL DEFAULT '' CHECK (length(status_detail) <= 500),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pos_connections_provider_external_key UNIQUE (provider, external_id),
    CONSTRAINT pos_connections_tenant_id_key UNIQUE (tenant_id, id)
);
CREATE INDEX pos_connections_refresh_idx ON pos_connections (access_expires_at)
    WHERE status = 'active' AND auth_kind = 'oauth2';

-- Which camera a terminal feeds, and since when. A rebinding ends the current
-- row and starts a new one, so that past transactions keep the camera they
-- were rung up under. A terminal feeds at most one camera at a time.
CREATE TABLE terminal_bindings (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      bigint      NOT NULL,
    connection_id  bigint      NOT NULL,
    -- Ubiregi device GUID; Smaregi "storeId:terminalId".
    terminal_key   text        NOT NULL CHECK (length(terminal_key) BETWEEN 1 AND 100),
    terminal_name  text        NOT NULL DEFAULT '' CHECK (length(terminal_name) <= 200),
    store_name     text        NOT NULL DEFAULT '' CHECK (length(store_name) <= 200),
    camera_id      bigint      NOT NULL,
    bound_at       timestamptz NOT NULL DEFAULT now(),
    unbound_at     timestamptz,
    CONSTRAINT terminal_bindings_period CHECK (unbound_at IS NULL OR unbound_at >= bound_at),
    CONSTRAINT terminal_bindings_connection_fk FOREIGN KEY (tenant_id, connection_id)
        REFERENCES pos_connections (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT terminal_bindings_camera_fk FOREIGN KEY (tenant_id, camera_id)
        REFERENCES cameras (tenant_id, id) ON DELETE RESTRICT
);
CREATE UNIQUE INDEX terminal_bindings_one_camera ON terminal_bindings (connection_id, terminal_key)
    WHERE unbound_at IS NULL;
CREATE INDEX terminal_bindings_camera_idx ON terminal_bindings (tenant_id, camera_id) WHERE unbound_at IS NULL;

-- +goose Down
DROP TABLE terminal_bindings;
DROP TABLE pos_connections;
ALTER TABLE cameras DROP CONSTRAINT cameras_tenant_id_key;
