-- +goose Up

-- Deleting a link (連携解除) no longer deletes rows: the poller hangs every
-- transaction on the binding that was current at its second, so the
-- effective-dated bindings must outlive the link. An unlinked connection
-- keeps its row without credentials, its bindings ended; a re-link of the
-- same POS account by the same tenant revives that row and continues its
-- history.
ALTER TABLE pos_connections ALTER COLUMN credentials DROP NOT NULL;
ALTER TABLE pos_connections DROP CONSTRAINT pos_connections_status_check;
ALTER TABLE pos_connections ADD CONSTRAINT pos_connections_status_check
    CHECK (status IN ('active', 'reauth_required', 'update_required', 'unlinked'));
-- An unlinked connection holds no credentials; a linked one always does.
ALTER TABLE pos_connections ADD CONSTRAINT pos_connections_unlinked_no_credentials
    CHECK ((status = 'unlinked') = (credentials IS NULL));
-- When the current link began: its creation, or its revival by a re-link.
ALTER TABLE pos_connections ADD COLUMN linked_at timestamptz;
UPDATE pos_connections SET linked_at = created_at;
ALTER TABLE pos_connections ALTER COLUMN linked_at SET NOT NULL, ALTER COLUMN linked_at SET DEFAULT now();
-- When background work last asked the provider for the names of the
-- terminals and stores (NULL: never), so that it visits each link in turn.
ALTER TABLE pos_connections ADD COLUMN names_checked_at timestamptz;

-- A POS account is linked by one tenant at a time; each tenant has at most
-- one row per POS account. When a tenant unlinks an account and another
-- tenant then links it, the second tenant gets a row of its own: the first
-- tenant's row and bindings (its history) stay with the first tenant, and
-- are neither shown to nor continued by the second. Whoever links the
-- account later continues their own row, if they had one.
ALTER TABLE pos_connections DROP CONSTRAINT pos_connections_provider_external_key;
ALTER TABLE pos_connections ADD CONSTRAINT pos_connections_tenant_account_key UNIQUE (tenant_id, provider, external_id);
CREATE UNIQUE INDEX pos_connections_linked_account ON pos_connections (provider, external_id)
    WHERE status <> 'unlinked';
CREATE INDEX pos_connections_names_idx ON pos_connections (names_checked_at NULLS FIRST)
    WHERE status = 'active';

-- Bindings are never deleted with their connection (nor with a camera: that
-- key was RESTRICT already).
ALTER TABLE terminal_bindings DROP CONSTRAINT terminal_bindings_connection_fk;
ALTER TABLE terminal_bindings ADD CONSTRAINT terminal_bindings_connection_fk FOREIGN KEY (tenant_id, connection_id)
    REFERENCES pos_connections (tenant_id, id) ON DELETE RESTRICT;

-- +goose Down
ALTER TABLE terminal_bindings DROP CONSTRAINT terminal_bindings_connection_fk;
ALTER TABLE terminal_bindings ADD CONSTRAINT terminal_bindings_connection_fk FOREIGN KEY (tenant_id, connection_id)
    REFERENCES pos_connections (tenant_id, id) ON DELETE CASCADE;
DROP INDEX pos_connections_names_idx;
DROP INDEX pos_connections_linked_account;
ALTER TABLE pos_connections DROP CONSTRAINT pos_connections_tenant_account_key;
-- Down forgets the history of unlinked connections: the old schema has no
-- place for them.
DELETE FROM terminal_bindings b USING pos_connections c
    WHERE b.connection_id = c.id AND c.status = 'unlinked';
DELETE FROM pos_connections WHERE status = 'unlinked';
ALTER TABLE pos_connections ADD CONSTRAINT pos_connections_provider_external_key UNIQUE (provider, external_id);
ALTER TABLE pos_connections DROP COLUMN names_checked_at;
ALTER TABLE pos_connections DROP COLUMN linked_at;
ALTER TABLE pos_connections DROP CONSTRAINT pos_connections_unlinked_no_credentials;
ALTER TABLE pos_connections DROP CONSTRAINT pos_connections_status_check;
ALTER TABLE pos_connections ADD CONSTRAINT pos_connections_status_check
    CHECK (status IN ('active', 'reauth_required', 'update_required'));
ALTER TABLE pos_connections ALTER COLUMN credentials SET NOT NULL;
