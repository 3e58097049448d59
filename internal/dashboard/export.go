package dashboard

import "context"

// exportBatch is how many rows an export reads at a time, each batch in
// its own short read.
const exportBatch = MaxLimit

// Export hands fn what the query selects, newest first, a batch at a time,
// at most MaxExport rows; the query's limit and cursor are ignored. It
// answers how many rows it handed and whether more were left out.
func (s *Store) Export(ctx context.Context, q Query, fn func([]Transaction) error) (n int, truncated bool, err error) {
	q.Cursor = ""
	for {
		q.Limit = min(exportBatch, MaxExport-n)
		page, err := s.List(ctx, q)
		if err != nil {
			return n, false, err
		}
		if len(page.Items) > 0 {
			if err := fn(page.Items); err != nil {
				return n, false, err
			}
		}
		n += len(page.Items)
		switch {
		case page.Next == "":
			return n, false, nil
		case n >= MaxExport:
			// The page says a row follows: the bound cut the export.
			return n, true, nil
		}
		q.Cursor = page.Next
	}
}
