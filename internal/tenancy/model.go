// Package tenancy holds tenants, their users and cameras, and the POS option
// of each camera: who may log in, and which cameras a tenant may link a POS
// terminal to.
package tenancy

import (
	"time"
)

// Role says what a user may do.
type Role string

// The roles of users.
const (
	RoleOwner Role = "owner" // a camera owner: sees and changes only their tenant
	RoleStaff Role = "staff" // support staff: works across tenants
)

// Tenant is one customer of the camera service (a shop or a company).
type Tenant struct {
	ID          int64
	Name        string
	CreatedAt   time.Time
	OwnerCount  int
	CameraCount int
}

// User is an account that logs in to the portal.
type User struct {
	ID          int64
	Email       string
	DisplayName string
	Role        Role
	TenantID    int64 // 0 for staff
	Disabled    bool
	// SessionEpoch changes when the password is set; a session remembers
	// the epoch it was opened in.
	SessionEpoch int
	CreatedAt    time.Time
	passwordHash string
}

// PasswordHash is the stored argon2id hash, for the login check.
func (u User) PasswordHash() string { return u.passwordHash }

// Camera is a cloud camera of a tenant.
type Camera struct {
	ID         int64
	TenantID   int64
	DeviceID   string // the camera cloud's device ID
	Name       string
	Model      string
	POSEnabled bool
	// POSUsableFrom is the first calendar day (midnight UTC holding the
	// operator's local date) on which the POS option may be used.
	POSUsableFrom time.Time
	CreatedAt     time.Time
}

// POSState is where a camera's POS option stands on a given day.
type POSState int

// The states of a camera's POS option.
const (
	POSOff     POSState = iota // not ordered
	POSWaiting                 // ordered, usable from a later day
	POSUsable                  // usable today
)

// POSStateOn is the camera's POS option state on the calendar day today.
func (c Camera) POSStateOn(today time.Time) POSState {
	switch {
	case !c.POSEnabled:
		return POSOff
	case dateOf(today).Before(c.POSUsableFrom):
		return POSWaiting
	default:
		return POSUsable
	}
}

// dateOf keeps only the calendar day of t, as the database's date type does.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CameraInput is what staff enter to create or edit a camera.
type CameraInput struct {
	DeviceID string
	Name     string
	Model    string
}

// TenantInput is what staff enter to create or rename a tenant.
type TenantInput struct {
	Name string
}

// UserInput is what staff enter to create a user.
type UserInput struct {
	Email       string
	DisplayName string
	Password    string
}
