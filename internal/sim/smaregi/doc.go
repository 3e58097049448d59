// Package smaregi simulates スマレジ (Smaregi) as poslink sees it: the
// Platform API's ID host (app access tokens), its API host (POS API) and the
// legacy スマレジAPI (v2) until its shut-down, following
// ../shared/pos-apis.md §2 field by field.
//
//	POST /app/{contract_id}/token                    ID host: client credentials → Bearer token
//	GET  /{contract_id}/pos/transactions[/{id}]      API host: 取引 (heads, details, その他支払)
//	GET  /{contract_id}/pos/stores[/{id}]            API host: 店舗
//	GET  /{contract_id}/pos/terminals                API host: レジ端末
//	POST /access/                                    legacy API: transaction_ref, store_ref
//	/_sim/…                                          control: contracts, synthetic range, clock, faults, 取引削除
//
// One Server serves all of them from one handler, or each from its own
// listener (IDHandler, APIHandler, LegacyHandler, AdminHandler), so a
// portal can be pointed at "id" and "api" hosts exactly as at the real ones.
//
// Nothing about sales is stored. A contract's registers are shop.Terminals;
// a transaction is computed from its register's sale (package shop) and the
// simulated clock whenever asked: the same seed and clock give the same
// bytes. A register rings a sale up at terminalTranDateTime; the server
// receives it 1–8 s later (transactionDateTime), and a later cancel, edit or
// disposal likewise, so a record appears in upd_date_time queries exactly
// when the server has it. Synthetic contracts (Synthetic) are derived from
// the seed and their number, so tens of thousands of registers cost no
// memory.
//
// Where the sources leave a question open, the code follows the assumption
// pos-apis.md §5 proposes and marks it with an "ASSUMPTION:" comment: #10
// token lifetime 3600 s; #11 10 requests/s per contract, token requests
// included, 429 + Retry-After: 1; #12 Link rel="next"/rel="first" on full
// pages; #13 /terminals needs pos.stores:read (pos.staffs:read accepted);
// #14 terminal IDs unique per store only; #15 times as
// YYYY-MM-DDThh:mm:ss+09:00; #16 a disposal flags the original
// (disposeDivision 1) and adds a negating record (disposeDivision 2);
// #16 also: a transaction the shop deletes (DeleteTransaction) vanishes
// from every answer without moving any updDateTime; #17 problem bodies with type about:blank as application/json; #18 the
// legacy API answers 410 / error_code 23 from the cut-over on. Others are
// the simulator's own (transactionHeadId layout, the nightly adjustment,
// the token endpoint's answer to a scope not enabled for the app, …).
package smaregi
