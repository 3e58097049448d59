// Package demo seeds the demo tenant that `poslink demo` (and so `make run`)
// shows a newcomer: an owner with three cameras and a support staff user.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/tenancy"
)

// The demo logins, printed at start and shown in the README.
const (
	TenantName      = "デモ店舗"
	OwnerEmail      = "demo@poslink.example"
	OwnerPassword   = "poslink-demo"
	StaffEmail      = "support@poslink.example"
	StaffPassword   = "poslink-support"
	actorLabel      = "demo-seed"
	waitingCameraID = "demo-cam-backyard"
)

// Seeded says what Seed found or made.
type Seeded struct {
	TenantID int64
	Created  bool
}

// Seed creates the demo tenant, its owner and cameras, and the staff user,
// unless the owner exists already: a second `make run` keeps the data (and
// whatever the visitor changed) as it was.
func Seed(ctx context.Context, store *tenancy.Store) (Seeded, error) {
	if u, err := store.UserByEmail(ctx, OwnerEmail); err == nil {
		return Seeded{TenantID: u.TenantID}, nil
	} else if apperr.KindOf(err) != apperr.NotFound {
		return Seeded{}, fmt.Errorf("look up demo owner: %w", err)
	}
	actor := audit.Actor{Label: actorLabel}
	t, err := store.CreateTenant(ctx, actor, tenancy.TenantInput{Name: TenantName})
	if err != nil {
		return Seeded{}, fmt.Errorf("create demo tenant: %w", err)
	}
	if _, err := store.CreateOwner(ctx, actor, t.ID, tenancy.UserInput{
		Email: OwnerEmail, DisplayName: "デモ オーナー", Password: OwnerPassword}); err != nil {
		return Seeded{}, fmt.Errorf("create demo owner: %w", err)
	}
	if _, err := store.UserByEmail(ctx, StaffEmail); apperr.KindOf(err) == apperr.NotFound {
		if _, err := store.CreateStaff(ctx, actor, tenancy.UserInput{
			Email: StaffEmail, DisplayName: "サポートセンター", Password: StaffPassword}); err != nil {
			return Seeded{}, fmt.Errorf("create demo staff: %w", err)
		}
	}
	today := store.Today()
	cams := []struct {
		in         tenancy.CameraInput
		usableFrom time.Time
	}{
		// Two cameras ordered the POS option long enough ago to link now.
		{tenancy.CameraInput{DeviceID: "demo-cam-register", Name: "レジ前カメラ", Model: "CC-2L_SF"}, today.AddDate(0, 0, -14)},
		{tenancy.CameraInput{DeviceID: "demo-cam-entrance", Name: "入口カメラ", Model: "One (SF-1)"}, today.AddDate(0, 0, -14)},
		// One ordered today: usable from the fourth day, as the manuals say.
		{tenancy.CameraInput{DeviceID: waitingCameraID, Name: "バックヤードカメラ", Model: "CC-2_SF"}, today.AddDate(0, 0, 3)},
	}
	for _, c := range cams {
		cam, err := store.CreateCamera(ctx, actor, t.ID, c.in)
		if err != nil {
			return Seeded{}, fmt.Errorf("create demo camera %s: %w", c.in.DeviceID, err)
		}
		if err := store.SetPOSOption(ctx, actor, t.ID, cam.ID, true, c.usableFrom); err != nil {
			return Seeded{}, fmt.Errorf("enable POS option of %s: %w", c.in.DeviceID, err)
		}
	}
	return Seeded{TenantID: t.ID, Created: true}, nil
}
