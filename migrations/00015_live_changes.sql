-- +goose Up

-- Changes of stored transactions (キャンセル, 修正, 削除 delivered later,
-- or found vanished by reconciling) reach the live streams as new ones
-- do. A stream resumes by a place in one change order: a transaction's
-- place is change_seq once a visible change was stored, else its ID.
-- change_seq is drawn from the IDs' own sequence, so that both are one
-- order: a change stored after a page was read is placed after every
-- transaction that page could show, and the transaction IDs that streams
-- handed out before (their event IDs) stay valid places to resume from.
-- NULL for a transaction as first stored: the rows stored before need no
-- value written (tens of millions), their place is their ID.
ALTER TABLE pos_transactions ADD COLUMN change_seq bigint;

-- The place of the next visible change (the poller's revise and
-- reconcile set change_seq to it).
-- +goose StatementBegin
CREATE FUNCTION pos_transactions_next_change() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT nextval(pg_get_serial_sequence('pos_transactions', 'id'))
$$;
-- +goose StatementEnd

-- A camera's changes after a place (live.Since; the transactions as first
-- stored come by the primary key), and the newest change (live.Latest).
-- Only changed rows are indexed: a small part of the table.
CREATE INDEX pos_transactions_camera_change_idx ON pos_transactions (camera_id, change_seq)
    WHERE change_seq IS NOT NULL;
CREATE INDEX pos_transactions_change_idx ON pos_transactions (change_seq) WHERE change_seq IS NOT NULL;

-- A statement that stored visible changes announces them as 00014 does
-- new transactions: one NOTIFY per statement and tenant, naming the
-- cameras of the changed rows (before and after, should a change have
-- moved one). Updates that place nothing anew (re-attribution after a
-- binding change, a delivery that changes nothing shown such as
-- Smaregi's nightly 精算, which the poller does not even write) announce
-- nothing.
-- +goose StatementBegin
CREATE FUNCTION pos_transactions_announce_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.tenant_id, array_agg(DISTINCT c.camera_id ORDER BY c.camera_id) AS cameras
        FROM (
            SELECT n.tenant_id, unnest(ARRAY[n.camera_id, o.camera_id]) AS camera_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.change_seq IS DISTINCT FROM o.change_seq
        ) c
        WHERE c.camera_id IS NOT NULL
        GROUP BY c.tenant_id
    LOOP
        PERFORM pg_notify('pos_transactions', json_build_object('tenant', t.tenant_id,
            'cameras', CASE WHEN cardinality(t.cameras) <= 200 THEN t.cameras END)::text);
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER pos_transactions_announce_changes AFTER UPDATE ON pos_transactions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pos_transactions_announce_changes();

-- +goose Down
DROP TRIGGER pos_transactions_announce_changes ON pos_transactions;
DROP FUNCTION pos_transactions_announce_changes();
DROP INDEX pos_transactions_change_idx;
DROP INDEX pos_transactions_camera_change_idx;
DROP FUNCTION pos_transactions_next_change();
ALTER TABLE pos_transactions DROP COLUMN change_seq;
