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

// SmaregiPlatformContractID is the contract of the demo's working Smaregi
// link (on client credentials), apart from the legacy link's contract so
// that moving that one can still be tried.
const SmaregiPlatformContractID = "skdemo02"

// platformCameraID is the camera the platform link's two registers feed:
// the demo tenant's first.
const platformCameraID = "demo-cam-register"

// PlatformRegisters are the registers of the platform contract's first
// store that the demo binds.
var PlatformRegisters = []string{"1", "2"}

// SeedSmaregiPlatform gives the demo tenant a working Smaregi link on the
// Platform API (client ID and secret, checked with Smaregi as the form
// checks them) with two registers bound to its first camera, so that the
// poller fills the dashboard from the first minute. It does nothing when
// the tenant already links the contract: a second `make run` keeps what the
// visitor did.
func SeedSmaregiPlatform(ctx context.Context, smaregi *smaregilink.Service, tenants *tenancy.Store, tenantID int64, clientID, clientSecret string) error {
	links, err := smaregi.Links(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("list demo smaregi links: %w", err)
	}
	if slices.ContainsFunc(links, func(l smaregilink.Link) bool { return l.Conn.ExternalID == SmaregiPlatformContractID }) {
		return nil
	}
	cam, err := tenants.CameraByDeviceID(ctx, platformCameraID)
	if err == nil && cam.TenantID != tenantID {
		err = apperr.New(apperr.NotFound, "err.not_found")
	}
	if err != nil {
		return fmt.Errorf("find demo camera %s of tenant %d: %w", platformCameraID, tenantID, err)
	}
	actor := audit.Actor{Label: actorLabel}
	c, err := smaregi.Add(ctx, actor, tenantID, smaregilink.Input{ContractID: SmaregiPlatformContractID,
		ClientID: clientID, ClientSecret: clientSecret, Memo: "デモ用の連携（プラットフォームAPI）"})
	if err != nil {
		return fmt.Errorf("link demo smaregi contract %s: %w", SmaregiPlatformContractID, err)
	}
	for _, term := range PlatformRegisters {
		if _, err := smaregi.Bind(ctx, actor, tenantID, c.ID, smaregilink.BindInput{StoreID: "1", TerminalID: term, CameraID: cam.ID}); err != nil {
			return fmt.Errorf("bind demo smaregi register %s: %w", term, err)
		}
	}
	return nil
}
