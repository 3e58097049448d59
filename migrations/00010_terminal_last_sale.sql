-- +goose Up

-- A register's newest sale, for the overview of a tenant's links (最終取引):
-- without it, a register that has not sold for a long time (or never)
-- reads every sale of its connection. With it, a few index pages each.
CREATE INDEX pos_transactions_terminal_sold_idx ON pos_transactions (connection_id, terminal_key, sold_at);

-- +goose Down
DROP INDEX pos_transactions_terminal_sold_idx;
