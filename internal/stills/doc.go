// Package stills keeps the camera's picture of each transaction's second:
// a Fetcher claims due stills through the database (fenced leases on the
// database's clock, as the poller does), asks the camera cloud with no
// transaction open, stores a small JPEG and the outcome (ready, no
// recording, unreachable), and keeps the payments' images within a size
// budget; a Reader serves them, checked against the viewer's tenant. Rows
// are made by triggers on pos_transactions (migrations/00012), so that no
// page view writes. It knows nothing of HTTP.
package stills
