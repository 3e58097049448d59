-- +goose Up

-- When the provider stopped listing a bound terminal (a register removed
-- at Ubiregi or Smaregi), as the hourly names check found it; NULL while
-- it is listed. The binding is kept: the page shows the terminal as gone,
-- and its owner decides whether to delete the link. A terminal listed
-- again is cleared.
ALTER TABLE terminal_bindings ADD COLUMN gone_at timestamptz;

-- +goose Down
ALTER TABLE terminal_bindings DROP COLUMN gone_at;
