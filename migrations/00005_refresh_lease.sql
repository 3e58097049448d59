-- +goose Up

-- A lease on refreshing a connection's OAuth grant, so that instances
-- refresh one grant one at a time without holding a row lock, or a pooled
-- connection, across the call to the provider. It is taken and compared
-- on the database's clock, which every instance shares; the owner is a
-- random claim ID, so that only its holder releases it.
ALTER TABLE pos_connections
    ADD COLUMN refresh_lease_until timestamptz,
    ADD COLUMN refresh_lease_owner text CHECK (length(refresh_lease_owner) <= 64);

-- +goose Down
ALTER TABLE pos_connections
    DROP COLUMN refresh_lease_owner,
    DROP COLUMN refresh_lease_until;
