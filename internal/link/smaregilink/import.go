package smaregilink

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/tenancy"
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
// the operator command that moves links over from the old system (and the
// demo). Smaregi is not asked: the old API may be gone by the time links are
// imported, and the import only carries over what existed. Every camera
// must be the tenant's and usable, checked before anything is saved. Past
// the cut-over the link is 要更新 at once. Running it again is harmless: it
// updates the token and keeps the bindings. A contract the tenant already
// links with client credentials is refused (ErrAlreadyMigrated): the old
// token must not replace the new credentials.
func (s *Service) ImportLegacy(ctx context.Context, actor audit.Actor, tenantID int64, in LegacyImport) (link.Connection, error) {
	in.ContractID = strings.TrimSpace(in.ContractID)
	in.AccessToken = strings.TrimSpace(in.AccessToken)
	in.Memo = strings.TrimSpace(in.Memo)
	var v apperr.Validation
	checkContractID(&v, in.ContractID)
	checkSecret(&v, "access_token", in.AccessToken)
	checkMemo(&v, in.Memo)
	terms := make([]link.Terminal, len(in.Bindings))
	for i, b := range in.Bindings {
		st, ok1 := parseID(b.StoreID)
		term, ok2 := parseID(b.TerminalID)
		if !ok1 || !ok2 || b.CameraID <= 0 {
			v.Add(fmt.Sprintf("bindings[%d]", i), "smaregi.err.terminal_id_invalid")
			continue
		}
		terms[i] = link.Terminal{Key: TerminalKey(st, term), Name: b.TerminalName, Store: b.StoreName}
	}
	if err := v.Err(); err != nil {
		return link.Connection{}, err
	}
	if err := s.checkCameras(ctx, tenantID, in.Bindings); err != nil {
		return link.Connection{}, err
	}
	existing, err := s.links.Connections(ctx, tenantID, link.Smaregi)
	if err != nil {
		return link.Connection{}, err
	}
	for _, c := range existing {
		if c.ExternalID == in.ContractID && c.AuthKind != link.LegacyToken {
			return link.Connection{}, ErrAlreadyMigrated
		}
	}
	c, err := s.links.Save(ctx, actor, tenantID, link.ConnectionInput{Provider: link.Smaregi, ExternalID: in.ContractID,
		Memo: in.Memo, AuthKind: link.LegacyToken, Credentials: credentials{AccessToken: in.AccessToken}})
	if err != nil {
		return link.Connection{}, err
	}
	for i, b := range in.Bindings {
		if err := s.links.Bind(ctx, actor, tenantID, c.ID, terms[i], b.CameraID); err != nil {
			return link.Connection{}, fmt.Errorf("bind %s of contract %s: %w", terms[i].Key, in.ContractID, err)
		}
	}
	if err := s.markIfRetired(ctx, &c); err != nil {
		return link.Connection{}, err
	}
	return c, nil
}

// checkCameras refuses the import unless every camera is the tenant's and
// usable today, so that no binding fails half-way.
func (s *Service) checkCameras(ctx context.Context, tenantID int64, bindings []LegacyBinding) error {
	if len(bindings) == 0 {
		return nil
	}
	usable, err := s.links.UsableCameras(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, b := range bindings {
		if !slices.ContainsFunc(usable, func(c tenancy.Camera) bool { return c.ID == b.CameraID }) {
			return apperr.Wrap(apperr.Invalid, fmt.Errorf("camera %d is not a usable camera of tenant %d", b.CameraID, tenantID),
				"err.camera_not_usable")
		}
	}
	return nil
}
