package smaregilink

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
)

// LegacyImport is a link made before 2026-01-24 with the old API's
// credentials, as an operator brings it over from the old system.
type LegacyImport struct {
	ContractID  string
	AccessToken string
	Memo        string
	Bindings    []LegacyBinding
}

// LegacyBinding is a register of the old link and the camera it fed. The
// names are what the old system knew; they may be empty.
type LegacyBinding struct {
	StoreID, StoreName       string
	TerminalID, TerminalName string
	CameraID                 int64
}

// ImportLegacy saves a link on the old access token with its bindings, for
// the operator command that moves links over from the old system and for
// the demo: the one way such links are made. Smaregi is not asked: the old
// API may be gone by the time links are imported, and the import only
// carries over what existed. It is atomic (link.Store.Import): every camera
// must be the tenant's and usable, and the link, its bindings and their
// audit entries are saved together or not at all. Past the cut-over the
// link is 要更新 at once. Running it again is harmless: it updates the
// token and keeps the bindings. A contract the tenant already links with
// client credentials is refused (ErrAlreadyMigrated): the old token must
// not replace the new credentials.
func (s *Service) ImportLegacy(ctx context.Context, actor audit.Actor, tenantID int64, in LegacyImport) (link.Connection, error) {
	in.ContractID = strings.TrimSpace(in.ContractID)
	in.AccessToken = strings.TrimSpace(in.AccessToken)
	in.Memo = strings.TrimSpace(in.Memo)
	var v apperr.Validation
	checkContractID(&v, in.ContractID)
	checkSecret(&v, "access_token", in.AccessToken)
	checkMemo(&v, in.Memo)
	bindings := make([]link.ImportBinding, len(in.Bindings))
	for i, b := range in.Bindings {
		field := fmt.Sprintf("bindings[%d]", i)
		st, ok1 := parseID(b.StoreID)
		term, ok2 := parseID(b.TerminalID)
		if !ok1 || !ok2 || b.CameraID <= 0 {
			v.Add(field, "smaregi.err.terminal_id_invalid")
			continue
		}
		name, store := strings.TrimSpace(b.TerminalName), strings.TrimSpace(b.StoreName)
		checkName(&v, field, name)
		checkName(&v, field, store)
		bindings[i] = link.ImportBinding{Terminal: link.Terminal{Key: TerminalKey(st, term), Name: name, Store: store},
			CameraID: b.CameraID}
	}
	if err := v.Err(); err != nil {
		return link.Connection{}, err
	}
	conn := link.ConnectionInput{Provider: link.Smaregi, ExternalID: in.ContractID, Memo: in.Memo,
		AuthKind: link.LegacyToken, Credentials: credentials{AccessToken: in.AccessToken}}
	if s.pastCutover() {
		conn.Status, conn.StatusDetail = link.UpdateRequired, legacyRetiredDetail
	}
	c, err := s.links.Import(ctx, actor, tenantID, conn, bindings)
	if errors.Is(err, link.ErrLinkedOtherwise) {
		return link.Connection{}, ErrAlreadyMigrated
	}
	if err != nil {
		return link.Connection{}, fmt.Errorf("import legacy smaregi link of contract %s: %w", in.ContractID, err)
	}
	return c, nil
}
