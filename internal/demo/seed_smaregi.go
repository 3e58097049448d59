package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/tenancy"
)

// The register the demo's old Smaregi link feeds to the register camera: the
// first register of the first store (渋谷店) of the sandbox's demo contract.
var legacyBinding = smaregilink.LegacyBinding{StoreID: "1", StoreName: "渋谷店", TerminalID: "1", TerminalName: "レジ1"}

const legacyCameraID = "demo-cam-register"

// SeedLegacySmaregi gives the demo tenant a Smaregi link made the old way
// (契約ID + アクセストークン, as before 2026-01-24), its first register
// feeding the register camera, so that the demo shows the notice asking to
// update it and the move to client credentials can be tried. It imports it
// as the operator command does (one transaction; 要更新 past the cut-over).
// It does nothing when the tenant already links the contract (in any way):
// a second `make run` keeps what the visitor did.
func SeedLegacySmaregi(ctx context.Context, smaregi *smaregilink.Service, tenants *tenancy.Store, tenantID int64, contractID, accessToken string) error {
	links, err := smaregi.Links(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("list demo smaregi links: %w", err)
	}
	if slices.ContainsFunc(links, func(l smaregilink.Link) bool { return l.Conn.ExternalID == contractID }) {
		return nil
	}
	cam, err := tenants.CameraByDeviceID(ctx, legacyCameraID)
	if err == nil && cam.TenantID != tenantID {
		err = apperr.New(apperr.NotFound, "err.not_found")
	}
	if err != nil {
		return fmt.Errorf("find demo camera %s of tenant %d: %w", legacyCameraID, tenantID, err)
	}
	b := legacyBinding
	b.CameraID = cam.ID
	if _, err := smaregi.ImportLegacy(ctx, audit.Actor{Label: actorLabel}, tenantID, smaregilink.LegacyImport{
		ContractID: contractID, AccessToken: accessToken, Memo: "旧方式で登録した連携（デモ）",
		Bindings: []smaregilink.LegacyBinding{b}}); err != nil {
		return fmt.Errorf("import demo legacy smaregi link: %w", err)
	}
	return nil
}
