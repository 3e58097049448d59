-- +goose Up

-- The transaction poller: per connection a poll state (when it is due, who
-- holds its lease, where its feed continues, how it failed), the
-- transactions it stores and the earlier versions of those that changed.

-- What the SQL below must agree on with the poller's settings: how far the
-- first binding of a terminal reaches back (POSLINK_BACKFILL), so that a new
-- link shows the sales of that window on its camera. Pollers write it at
-- start; one row.
CREATE TABLE poll_settings (
    singleton boolean  PRIMARY KEY DEFAULT true CHECK (singleton),
    backfill  interval NOT NULL CHECK (backfill >= interval '0')
);
INSERT INTO poll_settings (backfill) VALUES (interval '72 hours');

-- One row per connection, made by a trigger with the connection. An
-- instance polls a connection only while it holds its lease: claimed with
-- FOR UPDATE SKIP LOCKED on the database's clock when due_at has come,
-- held until lease_until (extended with every page stored), fenced by
-- lease_fence, which every claim raises: a write that presents an older
-- fence finds no row, so an instance that lost its lease stores nothing.
CREATE TABLE poll_states (
    connection_id   bigint      PRIMARY KEY,
    tenant_id       bigint      NOT NULL,
    provider        text        NOT NULL,
    -- Kept by triggers: the connection is linked, active and has a bound
    -- terminal. Only pollable rows are claimed (and indexed by due time).
    pollable        boolean     NOT NULL DEFAULT false,
    -- The next poll, backoff included; 'infinity' while stopped.
    due_at          timestamptz NOT NULL DEFAULT now(),
    -- Something changed while the poll state was leased (a binding, new
    -- credentials): the poll in flight ends due at once rather than later.
    kicked          boolean     NOT NULL DEFAULT false,
    lease_owner     text        CHECK (length(lease_owner) <= 64),
    lease_until     timestamptz,
    lease_fence     bigint      NOT NULL DEFAULT 0,
    -- Where the feed continues (empty: from the backfill window's start).
    cursor          text        NOT NULL DEFAULT '' CHECK (length(cursor) <= 4000),
    cursor_at       timestamptz,
    -- Consecutive failed polls: the exponential backoff's exponent, kept
    -- here so that a restart does not reset it.
    failures        integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    -- Set when polling stopped until a person acts (credentials refused,
    -- account not found); new credentials or a binding clear it.
    stopped_at      timestamptz,
    last_attempt_at timestamptz,
    last_ok_at      timestamptz,
    -- The last failure as the provider's error class and words (no secret).
    last_error      jsonb,
    last_error_at   timestamptz,
    -- When deletions at the provider were last looked for.
    reconciled_at   timestamptz,
    CONSTRAINT poll_states_connection_fk FOREIGN KEY (tenant_id, connection_id)
        REFERENCES pos_connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX poll_states_due_idx ON poll_states (due_at) WHERE pollable;

-- The sales of every terminal of a polled connection, bound or not: a
-- terminal bound later shows its recent past at once, without asking the
-- provider again. One row per provider transaction ID within a connection
-- (which is one tenant's link of one POS account: Ubiregi checkout IDs are
-- unique per account only). Rows stay when bindings end or the link is
-- deleted: connections are never deleted, only unlinked.
CREATE TABLE pos_transactions (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id           bigint      NOT NULL,
    connection_id       bigint      NOT NULL,
    provider_txn_id     text        NOT NULL CHECK (length(provider_txn_id) BETWEEN 1 AND 128),
    -- The register, keyed as bindings key it, and its name from the binding
    -- the sale fell in (empty when none).
    terminal_key        text        NOT NULL CHECK (length(terminal_key) BETWEEN 1 AND 100),
    terminal_name       text        NOT NULL DEFAULT '' CHECK (length(terminal_name) <= 200),
    -- The camera the terminal fed at sold_at (terminal_bindings), NULL when
    -- no binding covers it.
    camera_id           bigint,
    -- The register's time of the sale and its zone's offset (seconds east
    -- of UTC), so that it shows as the register showed it.
    sold_at             timestamptz NOT NULL,
    sold_utc_offset     integer     NOT NULL CHECK (sold_utc_offset BETWEEN -64800 AND 64800),
    kind                text        NOT NULL CHECK (kind IN ('payment', 'cancel', 'modify', 'delete')),
    total               bigint      NOT NULL,
    deposit             bigint      NOT NULL,
    change              bigint      NOT NULL,
    receipt_no          text        NOT NULL DEFAULT '' CHECK (length(receipt_no) <= 64),
    staff               text        NOT NULL DEFAULT '' CHECK (length(staff) <= 100),
    payment_method      text        NOT NULL DEFAULT '' CHECK (length(payment_method) <= 100),
    provider_updated_at timestamptz NOT NULL,
    -- The record as delivered in the version shown.
    raw                 jsonb       NOT NULL,
    -- The version shown: 1 for the first delivery, raised by every visible
    -- change; the earlier ones are in pos_transaction_revisions.
    revision            integer     NOT NULL DEFAULT 1 CHECK (revision >= 1),
    -- When reconciling found it gone at the provider (kind is then delete).
    vanished_at         timestamptz,
    received_at         timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pos_transactions_connection_fk FOREIGN KEY (tenant_id, connection_id)
        REFERENCES pos_connections (tenant_id, id) ON DELETE RESTRICT,
    CONSTRAINT pos_transactions_txn_key UNIQUE (connection_id, provider_txn_id)
);
-- A camera's sales, newest first, in keyset pages (sold_at, id).
CREATE INDEX pos_transactions_camera_idx ON pos_transactions (camera_id, sold_at DESC, id) WHERE camera_id IS NOT NULL;
-- A connection's sales by time: reconciling, re-attributing after a
-- binding change, today's count.
CREATE INDEX pos_transactions_connection_sold_idx ON pos_transactions (connection_id, sold_at);

-- Earlier versions of transactions: every visible change keeps the version
-- it replaced (before → after is a revision and its successor).
CREATE TABLE pos_transaction_revisions (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id      bigint      NOT NULL REFERENCES pos_transactions (id) ON DELETE RESTRICT,
    tenant_id           bigint      NOT NULL,
    -- The number of the version replaced.
    revision            integer     NOT NULL CHECK (revision >= 1),
    -- delivery: the provider delivered a changed record; vanished: the
    -- provider no longer has it (削除).
    reason              text        NOT NULL CHECK (reason IN ('delivery', 'vanished')),
    replaced_at         timestamptz NOT NULL DEFAULT now(),
    kind                text        NOT NULL,
    terminal_key        text        NOT NULL,
    sold_at             timestamptz NOT NULL,
    sold_utc_offset     integer     NOT NULL,
    total               bigint      NOT NULL,
    deposit             bigint      NOT NULL,
    change              bigint      NOT NULL,
    receipt_no          text        NOT NULL,
    staff               text        NOT NULL,
    payment_method      text        NOT NULL,
    provider_updated_at timestamptz NOT NULL,
    raw                 jsonb       NOT NULL,
    CONSTRAINT pos_transaction_revisions_key UNIQUE (transaction_id, revision)
);

-- Bindings are looked up per terminal in time order.
CREATE INDEX terminal_bindings_terminal_idx ON terminal_bindings (connection_id, terminal_key, bound_at);

-- When each binding of a connection's terminals decides the camera of a
-- sale: from bound_at (from the backfill window before it for a terminal's
-- first binding) until unbound_at. One definition for the poller's inserts
-- and for re-attributing stored sales when bindings change.
-- +goose StatementBegin
CREATE FUNCTION pos_binding_periods(conn bigint)
RETURNS TABLE (terminal_key text, camera_id bigint, terminal_name text, from_at timestamptz, to_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT b.terminal_key, b.camera_id, b.terminal_name,
           CASE WHEN row_number() OVER (PARTITION BY b.terminal_key ORDER BY b.bound_at, b.id) = 1
                THEN b.bound_at - (SELECT s.backfill FROM poll_settings s)
                ELSE b.bound_at END,
           coalesce(b.unbound_at, 'infinity')
    FROM terminal_bindings b
    WHERE b.connection_id = conn
$$;
-- +goose StatementEnd

-- Gives the stored sales of a terminal sold from from_at on the camera and
-- name their binding periods say.
-- +goose StatementBegin
CREATE FUNCTION pos_transactions_attribute(conn bigint, key text, from_at timestamptz) RETURNS void
LANGUAGE sql AS $$
    WITH p AS MATERIALIZED (SELECT * FROM pos_binding_periods(conn) p WHERE p.terminal_key = key),
    a AS (
        SELECT t.id, c.camera_id, coalesce(c.terminal_name, '') AS terminal_name
        FROM pos_transactions t
        LEFT JOIN LATERAL (
            SELECT p.camera_id, p.terminal_name FROM p
            WHERE t.sold_at >= p.from_at AND t.sold_at < p.to_at
            ORDER BY p.from_at DESC LIMIT 1) c ON true
        WHERE t.connection_id = conn AND t.sold_at >= from_at AND t.terminal_key = key
    )
    UPDATE pos_transactions t SET camera_id = a.camera_id, terminal_name = a.terminal_name
    FROM a
    WHERE t.id = a.id AND (t.camera_id IS DISTINCT FROM a.camera_id OR t.terminal_name <> a.terminal_name)
$$;
-- +goose StatementEnd

-- Whether a connection is to be polled: linked, active, with a bound terminal.
-- +goose StatementBegin
CREATE FUNCTION poll_state_pollable(conn bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT c.status = 'active' FROM pos_connections c WHERE c.id = conn), false)
       AND EXISTS (SELECT 1 FROM terminal_bindings b WHERE b.connection_id = conn AND b.unbound_at IS NULL)
$$;
-- +goose StatementEnd

-- A new connection gets its poll state; a change of status or credentials
-- decides again whether it is polled, and new credentials (a re-link, 連携
-- 情報修正, a refreshed grant) make it due at once, stopped or backing off.
-- +goose StatementBegin
CREATE FUNCTION poll_states_follow_connection() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO poll_states (connection_id, tenant_id, provider, pollable)
        VALUES (NEW.id, NEW.tenant_id, NEW.provider, poll_state_pollable(NEW.id));
    ELSIF NEW.credentials_version <> OLD.credentials_version OR (NEW.status = 'active' AND OLD.status <> 'active') THEN
        UPDATE poll_states
        SET pollable = poll_state_pollable(NEW.id), due_at = least(due_at, now()), kicked = true,
            stopped_at = NULL, failures = 0
        WHERE connection_id = NEW.id;
    ELSE
        UPDATE poll_states SET pollable = poll_state_pollable(NEW.id) WHERE connection_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER poll_states_on_connection_insert AFTER INSERT ON pos_connections
    FOR EACH ROW EXECUTE FUNCTION poll_states_follow_connection();
CREATE TRIGGER poll_states_on_connection_update AFTER UPDATE OF status, credentials_version ON pos_connections
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.credentials_version IS DISTINCT FROM NEW.credentials_version)
    EXECUTE FUNCTION poll_states_follow_connection();

-- A binding that starts makes its connection due at once (a new terminal's
-- recent past within seconds) and gives the terminal's stored sales from
-- the backfill window before it the camera their periods now say; one that
-- ends does the same from its end. The connection's row lock orders this
-- with the poller's writes of the connection's sales (which take a key
-- share lock on it first), so that a sale is never stored under a binding
-- period that changed meanwhile.
-- +goose StatementBegin
CREATE FUNCTION poll_states_follow_binding() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM pos_connections WHERE id = NEW.connection_id FOR UPDATE;
    IF TG_OP = 'INSERT' THEN
        UPDATE poll_states
        SET pollable = poll_state_pollable(NEW.connection_id), due_at = least(due_at, now()), kicked = true,
            stopped_at = NULL
        WHERE connection_id = NEW.connection_id;
        PERFORM pos_transactions_attribute(NEW.connection_id, NEW.terminal_key,
            NEW.bound_at - (SELECT s.backfill FROM poll_settings s));
    ELSE
        UPDATE poll_states SET pollable = poll_state_pollable(NEW.connection_id)
        WHERE connection_id = NEW.connection_id;
        PERFORM pos_transactions_attribute(NEW.connection_id, NEW.terminal_key, NEW.unbound_at);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER poll_states_on_binding_insert AFTER INSERT ON terminal_bindings
    FOR EACH ROW EXECUTE FUNCTION poll_states_follow_binding();
CREATE TRIGGER poll_states_on_binding_end AFTER UPDATE OF unbound_at ON terminal_bindings
    FOR EACH ROW WHEN (OLD.unbound_at IS NULL AND NEW.unbound_at IS NOT NULL)
    EXECUTE FUNCTION poll_states_follow_binding();

INSERT INTO poll_states (connection_id, tenant_id, provider, pollable)
SELECT c.id, c.tenant_id, c.provider, poll_state_pollable(c.id) FROM pos_connections c;

-- +goose Down
DROP TRIGGER poll_states_on_binding_end ON terminal_bindings;
DROP TRIGGER poll_states_on_binding_insert ON terminal_bindings;
DROP FUNCTION poll_states_follow_binding();
DROP TRIGGER poll_states_on_connection_update ON pos_connections;
DROP TRIGGER poll_states_on_connection_insert ON pos_connections;
DROP FUNCTION poll_states_follow_connection();
DROP FUNCTION poll_state_pollable(bigint);
DROP FUNCTION pos_transactions_attribute(bigint, text, timestamptz);
DROP FUNCTION pos_binding_periods(bigint);
DROP INDEX terminal_bindings_terminal_idx;
DROP TABLE pos_transaction_revisions;
DROP TABLE pos_transactions;
DROP TABLE poll_states;
DROP TABLE poll_settings;
