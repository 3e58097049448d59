package main

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/password"
	"github.com/poslink/poslink/internal/tenancy"
)

const (
	ownerPassword = "owner-secret-1"
	staffPassword = "staff-secret-2"
	newPassword   = "changed-secret-3"
)

// A first setup as a script does it: a tenant, its owner, a staff user and
// a camera, then the lists; every change is in the audit log under the OS
// user, and no password is.
func TestOperatorSetup(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	ctx := t.Context()

	out := c.ok("", "tenant", "create", "--name", "  Acme Coffee  ")
	tenantID := c.id(out, "tenant")
	if want := fmt.Sprintf("tenant %d created: Acme Coffee\n", tenantID); out != want {
		t.Errorf("tenant create printed %q, want %q", out, want)
	}
	c.ok("", "tenant", "create", "--name", "Other Shop")

	out = c.ok(ownerPassword+"\n", "user", "create-owner", "--tenant", fmt.Sprint(tenantID),
		"--email", "Owner@Example.com", "--name", "Hanako", "--password-stdin")
	if !strings.Contains(out, "owner@example.com") {
		t.Errorf("create-owner printed %q", out)
	}
	_, errOut, err := c.run("", "user", "create-staff", "--email", "staff@example.com", "--password", staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "warning: --password") || !strings.Contains(errOut, "--password-stdin") {
		t.Errorf("--password gave no warning on stderr: %q", errOut)
	}
	out = c.ok("", "camera", "create", "--tenant", fmt.Sprint(tenantID), "--device-id", "SAFIE-0001",
		"--name", "Register", "--model", "QBiC CLOUD CC-2L")
	cameraID := c.id(out, "camera")

	owner, err := c.store.UserByEmail(ctx, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if owner.Role != tenancy.RoleOwner || owner.TenantID != tenantID || owner.DisplayName != "Hanako" || owner.Disabled {
		t.Errorf("owner = %+v", owner)
	}
	if ok, err := password.Verify(owner.PasswordHash(), ownerPassword); !ok || err != nil {
		t.Errorf("owner's password from stdin does not verify: %v %v", ok, err)
	}
	staff, err := c.store.UserByEmail(ctx, "staff@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if staff.Role != tenancy.RoleStaff || staff.TenantID != 0 {
		t.Errorf("staff = %+v", staff)
	}
	if ok, _ := password.Verify(staff.PasswordHash(), staffPassword); !ok {
		t.Error("staff password from --password does not verify")
	}
	cams, err := c.store.Cameras(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cams) != 1 || cams[0].ID != cameraID || cams[0].DeviceID != "SAFIE-0001" || cams[0].Name != "Register" ||
		cams[0].Model != "QBiC CLOUD CC-2L" || cams[0].POSEnabled {
		t.Errorf("cameras = %+v", cams)
	}

	out = c.ok("", "tenant", "list")
	wantRow := regexp.MustCompile(fmt.Sprintf(`(?m)^%d\s+Acme Coffee\s+1\s+1$`, tenantID))
	if !strings.HasPrefix(out, "ID") || !wantRow.MatchString(out) || !strings.Contains(out, "Other Shop") {
		t.Errorf("tenant list:\n%s", out)
	}
	out = c.ok("", "tenant", "list", "--query", "safie-0001")
	if !wantRow.MatchString(out) || strings.Contains(out, "Other Shop") {
		t.Errorf("tenant list --query by device ID:\n%s", out)
	}
	// The common flags work as for serve: --database-url instead of the variable.
	var viaFlag strings.Builder
	noEnv := func(string) (string, bool) { return "", false }
	if err := run(ctx, []string{"tenant", "list", "--database-url", c.env["DATABASE_URL"]}, noEnv, nil, &viaFlag, io.Discard); err != nil {
		t.Fatalf("tenant list --database-url: %v", err)
	}
	if !wantRow.MatchString(viaFlag.String()) {
		t.Errorf("tenant list --database-url:\n%s", viaFlag.String())
	}
	out = c.ok("", "camera", "list", "--tenant", fmt.Sprint(tenantID))
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^%d\s+SAFIE-0001\s+Register\s+QBiC CLOUD CC-2L\s+off\s+-$`, cameraID)).MatchString(out) {
		t.Errorf("camera list:\n%s", out)
	}

	out = c.ok("", "tenant", "rename", "--id", fmt.Sprint(tenantID), "--name", "Acme Coffee Shibuya")
	if got, err := c.store.GetTenant(ctx, tenantID); err != nil || got.Name != "Acme Coffee Shibuya" {
		t.Errorf("after rename (%q): tenant %+v, %v", out, got, err)
	}

	wantActions := []string{"tenant.create", "tenant.create", "user.create", "user.create", "camera.create", "tenant.rename"}
	checkAudit(t, c, wantActions, ownerPassword, staffPassword)
}

// checkAudit asserts the audit log holds exactly actions, oldest first, all
// by the command line's actor and none mentioning a secret.
func checkAudit(t *testing.T, c *cli, actions []string, secrets ...string) {
	t.Helper()
	entries, err := audit.List(t.Context(), c.pool, audit.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(entries)
	var got []string
	for _, e := range entries {
		got = append(got, e.Action)
		if e.Actor.Label != c.actorLabel() || e.Actor.UserID != 0 || !strings.HasPrefix(e.Actor.Label, "cli:") {
			t.Errorf("%s by %+v, want %q", e.Action, e.Actor, c.actorLabel())
		}
		details, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(details), s) {
				t.Errorf("audit entry %s holds a password: %s", e.Action, details)
			}
		}
	}
	if !slices.Equal(got, actions) {
		t.Errorf("audit actions = %q, want %q", got, actions)
	}
}

// seed makes a tenant with an owner and a camera and returns the tenant ID.
func (c *cli) seed() int64 {
	c.t.Helper()
	id := c.id(c.ok("", "tenant", "create", "--name", "Seed Shop"), "tenant")
	c.ok(ownerPassword+"\n", "user", "create-owner", "--tenant", fmt.Sprint(id), "--email", "owner@example.com", "--password-stdin")
	c.ok("", "camera", "create", "--tenant", fmt.Sprint(id), "--device-id", "CAM-1", "--name", "Front")
	return id
}

func TestCameraPOS(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	ctx := t.Context()
	tenantID := c.seed()
	camera := func() tenancy.Camera {
		cam, err := c.store.CameraByDeviceID(ctx, "CAM-1")
		if err != nil {
			t.Fatal(err)
		}
		return cam
	}

	out := c.ok("", "camera", "pos", "--device-id", "CAM-1", "--on", "--usable-from", "2030-01-02")
	if cam := camera(); !cam.POSEnabled || cam.POSUsableFrom.Format(time.DateOnly) != "2030-01-02" {
		t.Errorf("after --on --usable-from 2030-01-02 (%q): %+v", out, cam)
	}
	out = c.ok("", "camera", "list", "--tenant", fmt.Sprint(tenantID))
	if !regexp.MustCompile(`(?m)\sCAM-1\s+Front\s+-\s+waiting\s+2030-01-02$`).MatchString(out) {
		t.Errorf("camera list with the option ordered:\n%s", out)
	}

	// The manuals' way of writing dates works too, and a past day is usable.
	c.ok("", "camera", "pos", "--device-id", "CAM-1", "--on", "--usable-from", "2024/4/1")
	out = c.ok("", "camera", "list", "--tenant", fmt.Sprint(tenantID))
	if !regexp.MustCompile(`(?m)\s+usable\s+2024-04-01$`).MatchString(out) {
		t.Errorf("camera list with the option usable:\n%s", out)
	}

	before := c.store.Today().AddDate(0, 0, 3)
	out = c.ok("", "camera", "pos", "--device-id", "CAM-1", "--on")
	after := c.store.Today().AddDate(0, 0, 3)
	cam := camera()
	if !cam.POSEnabled || (!cam.POSUsableFrom.Equal(before) && !cam.POSUsableFrom.Equal(after)) {
		t.Errorf("--on without a date: %+v, want usable from %s", cam, before.Format(time.DateOnly))
	}
	if !strings.Contains(out, cam.POSUsableFrom.Format(time.DateOnly)) || !strings.Contains(out, "today + 3 days") {
		t.Errorf("--on without a date does not say it chose today + 3: %q", out)
	}

	out = c.ok("", "camera", "pos", "--device-id", "CAM-1", "--off")
	if cam := camera(); cam.POSEnabled || !cam.POSUsableFrom.IsZero() {
		t.Errorf("after --off (%q): %+v", out, cam)
	}

	checkAudit(t, c, []string{"tenant.create", "user.create", "camera.create",
		"camera.pos_option", "camera.pos_option", "camera.pos_option", "camera.pos_option"}, ownerPassword)
}

func TestUserDisableEnableSetPassword(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	ctx := t.Context()
	c.seed()
	owner := func() tenancy.User {
		u, err := c.store.UserByEmail(ctx, "owner@example.com")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	c.ok("", "user", "disable", "--email", "OWNER@example.com")
	if !owner().Disabled {
		t.Error("user disable left the owner enabled")
	}
	c.ok("", "user", "enable", "--email", "owner@example.com")
	if owner().Disabled {
		t.Error("user enable left the owner disabled")
	}

	// A line ending from Windows or echo is not part of the password.
	c.ok(newPassword+"\r\n", "user", "set-password", "--email", "owner@example.com", "--password-stdin")
	hash := owner().PasswordHash()
	if ok, _ := password.Verify(hash, newPassword); !ok {
		t.Error("the new password from stdin does not verify")
	}
	if ok, _ := password.Verify(hash, ownerPassword); ok {
		t.Error("the old password still verifies")
	}
	_, errOut, err := c.run("", "user", "set-password", "--email", "owner@example.com", "--password", "flag-secret-4")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "warning") {
		t.Errorf("no warning for --password: %q", errOut)
	}
	if ok, _ := password.Verify(owner().PasswordHash(), "flag-secret-4"); !ok {
		t.Error("the new password from --password does not verify")
	}

	checkAudit(t, c, []string{"tenant.create", "user.create", "camera.create",
		"user.disable", "user.enable", "user.set_password", "user.set_password"},
		ownerPassword, newPassword, "flag-secret-4")
}
