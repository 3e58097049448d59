-- +goose Up

-- Where a change came from and why: the client address of the request
-- that made it (NULL for the command line and the system), and the reason
-- support staff give for a change made on a tenant's behalf.
ALTER TABLE audit_log
    ADD COLUMN address text CHECK (length(address) <= 64),
    ADD COLUMN reason  text CHECK (length(reason) <= 2000);

-- +goose Down
ALTER TABLE audit_log DROP COLUMN address, DROP COLUMN reason;
