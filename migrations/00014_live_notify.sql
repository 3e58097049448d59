-- +goose Up

-- New transactions are announced on the channel pos_transactions, so that
-- every portal instance (each LISTENing on one connection, internal/live)
-- can push them to the dashboards open on it. One NOTIFY per inserting
-- statement and tenant, not per row: the poller copies a page in with one
-- COPY, so a committed batch is one notification. NOTIFY is transactional:
-- a rolled-back batch announces nothing, and listeners hear it only once
-- the rows are visible. The payload names the tenant and the cameras
-- touched; past 200 cameras (far below NOTIFY's 8000-byte limit) it says
-- "every camera of the tenant" instead of listing them.
-- +goose StatementBegin
CREATE FUNCTION pos_transactions_announce() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT n.tenant_id, array_agg(DISTINCT n.camera_id ORDER BY n.camera_id) AS cameras
        FROM new_rows n WHERE n.camera_id IS NOT NULL
        GROUP BY n.tenant_id
    LOOP
        PERFORM pg_notify('pos_transactions', json_build_object('tenant', t.tenant_id,
            'cameras', CASE WHEN cardinality(t.cameras) <= 200 THEN t.cameras END)::text);
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER pos_transactions_announce AFTER INSERT ON pos_transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pos_transactions_announce();

-- +goose Down
DROP TRIGGER pos_transactions_announce ON pos_transactions;
DROP FUNCTION pos_transactions_announce();
