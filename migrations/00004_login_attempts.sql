-- +goose Up

-- Login throttling, one counter per account (from every address), per client
-- address (for every account) and per account and address. An attempt takes
-- a slot under the counter row's lock before its password is checked, so that
-- parallel attempts cannot all pass one count; a right password gives its
-- slot back. In the database so that every portal instance counts together.
-- Keys are bounded whatever the input: an account is the SHA-256 of its
-- normalized e-mail, an address an IPv4 address or IPv6 /64 (or a hash).
CREATE TABLE login_attempts (
    scope        text        NOT NULL CHECK (scope IN ('account_address', 'account', 'address')),
    key          text        NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    -- The current window: opened by its first failure, refusing attempts
    -- from the limit on until ends_at.
    started_at   timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL CHECK (ends_at > started_at),
    failures     integer     NOT NULL CHECK (failures >= 0),
    -- How often the window was doubled: each window that reached the limit
    -- makes the next one twice as long.
    doublings    integer     NOT NULL DEFAULT 0 CHECK (doublings >= 0),
    -- account_address only: the last right password from this address.
    succeeded_at timestamptz,
    PRIMARY KEY (scope, key)
);

-- The old table counted failures only after the password check.
DROP TABLE login_failures;

-- +goose Down
CREATE TABLE login_failures (
    id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key text        NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);
DROP TABLE login_attempts;
