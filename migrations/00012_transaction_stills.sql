-- +goose Up

-- The still of each transaction: the camera's picture of the second of the
-- sale, small (320×180 JPEG), fetched on the server by internal/stills and
-- served from the portal's own origin. Pages never call the camera cloud.
--
-- How rows come to exist (reads stay pure: no GET writes here):
-- - A trigger on pos_transactions makes the row when a sale is stored on a
--   camera, and follows changes of kind, camera and sale time. The fetch is
--   due a minute after the sale (the camera cloud's media delay).
-- - キャンセル / 修正 / 削除 are evidence (keep): due at once, claimed
--   before any payment, never evicted, kept as long as the transaction, so
--   that the picture outlives the camera's recording retention. A payment
--   that later becomes one of them is kept from then on (and fetched again
--   if its image had been evicted).
-- - Payments are what the dashboard shows first (newest first, live): they
--   get a row when sold within the payment window (still_settings, written
--   by the fetchers from POSLINK_STILLS_PAYMENT_WINDOW), are claimed newest
--   first after the evidence, and their images form a bounded cache: beyond
--   POSLINK_STILLS_CACHE_MB the images of the oldest sales are dropped
--   (state evicted). Eviction goes by sale time, not by views, since a view
--   may not write; the oldest are also the first the camera cloud has
--   forgotten. A payment still pending when it leaves the window is evicted
--   unfetched. A transaction without a row is shown as not kept.
CREATE TABLE still_settings (
    singleton      boolean  PRIMARY KEY DEFAULT true CHECK (singleton),
    payment_window interval NOT NULL CHECK (payment_window >= interval '0')
);
INSERT INTO still_settings (payment_window) VALUES (interval '72 hours');

CREATE TABLE transaction_stills (
    transaction_id bigint      PRIMARY KEY REFERENCES pos_transactions (id) ON DELETE CASCADE,
    tenant_id      bigint      NOT NULL,
    -- The camera the sale was rung up under (pos_transactions.camera_id)
    -- and the second it shows.
    camera_id      bigint      NOT NULL,
    at             timestamptz NOT NULL,
    keep           boolean     NOT NULL,
    -- pending: not fetched yet (or the cloud has not the recording yet);
    -- ready: image holds the still; no_recording: the camera recorded
    -- nothing then (final); unreachable: the camera cloud failed several
    -- times (tried again at due_at); evicted: a payment's image dropped
    -- from the bounded cache, or never fetched within the window.
    state          text        NOT NULL DEFAULT 'pending'
                               CHECK (state IN ('pending', 'ready', 'no_recording', 'unreachable', 'evicted')),
    -- The next fetch, backoff included; 'infinity' when nothing is to do.
    due_at         timestamptz NOT NULL,
    -- Consecutive failed fetches (the backoff's exponent).
    attempts       integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- The last failure in words (no secret: a camera.Error holds none).
    last_error     text        CHECK (length(last_error) <= 500),
    image          bytea       CHECK (octet_length(image) <= 262144),
    -- octet_length(image), kept so that the cache's size is summed from an
    -- index alone.
    bytes          integer     NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    fetched_at     timestamptz,
    -- A fenced lease as the poller's: claimed with FOR UPDATE SKIP LOCKED
    -- on the database's clock, every claim raises the fence, a write with
    -- an older fence finds no row.
    lease_owner    text        CHECK (length(lease_owner) <= 64),
    lease_until    timestamptz,
    lease_fence    bigint      NOT NULL DEFAULT 0,
    CONSTRAINT transaction_stills_image_ready CHECK ((state = 'ready') = (image IS NOT NULL))
);
-- Claims: due rows, evidence first, newest first.
CREATE INDEX transaction_stills_due_idx ON transaction_stills (keep DESC, due_at DESC)
    WHERE state IN ('pending', 'unreachable');
-- The bounded cache: payments' images by sale time, with their size.
CREATE INDEX transaction_stills_cache_idx ON transaction_stills (at DESC, transaction_id DESC) INCLUDE (bytes)
    WHERE state = 'ready' AND NOT keep;

-- The media delay of the camera cloud (camera.MediaDelay): a still is not
-- asked for before its recording can exist.
-- +goose StatementBegin
CREATE FUNCTION transaction_still_due(at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT greatest(at + interval '1 minute', now()) $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION transaction_stills_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    evidence boolean := NEW.kind IN ('cancel', 'modify', 'delete');
BEGIN
    IF NEW.camera_id IS NULL THEN
        DELETE FROM transaction_stills WHERE transaction_id = NEW.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND (OLD.camera_id IS DISTINCT FROM NEW.camera_id OR OLD.sold_at <> NEW.sold_at) THEN
        -- Another camera or second: the picture is another one.
        DELETE FROM transaction_stills WHERE transaction_id = NEW.id;
    END IF;
    IF NOT evidence AND NEW.sold_at < now() - (SELECT s.payment_window FROM still_settings s)
       AND NOT EXISTS (SELECT 1 FROM transaction_stills WHERE transaction_id = NEW.id) THEN
        RETURN NULL;
    END IF;
    INSERT INTO transaction_stills (transaction_id, tenant_id, camera_id, at, keep, due_at)
    VALUES (NEW.id, NEW.tenant_id, NEW.camera_id, NEW.sold_at, evidence, transaction_still_due(NEW.sold_at))
    ON CONFLICT (transaction_id) DO UPDATE
    SET keep = true,
        state = CASE WHEN transaction_stills.state = 'evicted' THEN 'pending' ELSE transaction_stills.state END,
        due_at = CASE WHEN transaction_stills.state = 'evicted' THEN transaction_still_due(transaction_stills.at)
                      ELSE transaction_stills.due_at END,
        attempts = CASE WHEN transaction_stills.state = 'evicted' THEN 0 ELSE transaction_stills.attempts END
    WHERE EXCLUDED.keep AND NOT transaction_stills.keep;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER transaction_stills_on_insert AFTER INSERT ON pos_transactions
    FOR EACH ROW EXECUTE FUNCTION transaction_stills_follow();
CREATE TRIGGER transaction_stills_on_update AFTER UPDATE OF kind, camera_id, sold_at ON pos_transactions
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.camera_id IS DISTINCT FROM NEW.camera_id
                       OR OLD.sold_at IS DISTINCT FROM NEW.sold_at)
    EXECUTE FUNCTION transaction_stills_follow();

-- The transactions stored before: their evidence, and the payments of the window.
INSERT INTO transaction_stills (transaction_id, tenant_id, camera_id, at, keep, due_at)
SELECT t.id, t.tenant_id, t.camera_id, t.sold_at, t.kind <> 'payment', transaction_still_due(t.sold_at)
FROM pos_transactions t
WHERE t.camera_id IS NOT NULL AND (t.kind <> 'payment' OR t.sold_at >= now() - interval '72 hours');

-- +goose Down
DROP TRIGGER transaction_stills_on_update ON pos_transactions;
DROP TRIGGER transaction_stills_on_insert ON pos_transactions;
DROP FUNCTION transaction_stills_follow();
DROP FUNCTION transaction_still_due(timestamptz);
DROP TABLE transaction_stills;
DROP TABLE still_settings;
