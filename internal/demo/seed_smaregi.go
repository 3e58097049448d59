package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/tenancy"
)

// The register the demo's old Smaregi link feeds to the register camera: the
// first register of the first store (渋谷店) of the sandbox's demo contract.
var (
	legacyTerminal = link.Terminal{Key: "1:1", Name: "レジ1", Store: "渋谷店"}
	legacyCameraID = "demo-cam-register"
)

// SeedLegacySmaregi gives the demo tenant a Smaregi link made the old way
// (契約ID + アクセストークン, as before 2026-01-24), its first register
// feeding the register camera, so that the demo shows the notice asking to
// update it and the move to client credentials can be tried. It does
// nothing when the tenant already links the contract (in any way): a
// second `make run` keeps what the visitor did.
func SeedLegacySmaregi(ctx context.Context, links *link.Store, tenants *tenancy.Store, tenantID int64, contractID, accessToken string) error {
	conns, err := links.Connections(ctx, tenantID, link.Smaregi)
	if err != nil {
		return fmt.Errorf("list demo smaregi links: %w", err)
	}
	if slices.ContainsFunc(conns, func(c link.Connection) bool { return c.ExternalID == contractID }) {
		return nil
	}
	cam, err := tenants.CameraByDeviceID(ctx, legacyCameraID)
	if err == nil && cam.TenantID != tenantID {
		err = apperr.New(apperr.NotFound, "err.not_found")
	}
	if err != nil {
		return fmt.Errorf("find demo camera %s of tenant %d: %w", legacyCameraID, tenantID, err)
	}
	actor := audit.Actor{Label: actorLabel}
	c, err := links.Save(ctx, actor, tenantID, link.ConnectionInput{Provider: link.Smaregi, ExternalID: contractID,
		Memo: "旧方式で登録した連携（デモ）", AuthKind: link.LegacyToken,
		Credentials: smaregilink.LegacyCredentials(accessToken)})
	if err != nil {
		return fmt.Errorf("save demo legacy smaregi link: %w", err)
	}
	if err := links.Bind(ctx, actor, tenantID, c.ID, legacyTerminal, cam.ID); err != nil {
		return fmt.Errorf("bind demo legacy smaregi terminal: %w", err)
	}
	return nil
}
