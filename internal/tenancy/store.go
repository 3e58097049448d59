package tenancy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/db"
	"github.com/poslink/poslink/internal/password"
)

// Store reads and changes tenants, users and cameras. Every change is
// written to the audit log in the same transaction.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
	loc  *time.Location
}

// NewStore returns a Store. now is the clock and loc the operator's time
// zone, which decides the calendar day the POS option becomes usable.
func NewStore(pool *pgxpool.Pool, now func() time.Time, loc *time.Location) *Store {
	return &Store{pool: pool, now: now, loc: loc}
}

// Today is the operator's current calendar day, as a date at midnight UTC.
func (s *Store) Today() time.Time {
	return dateOf(s.now().In(s.loc))
}

var errNotFound = apperr.New(apperr.NotFound, "err.not_found")

// oneField makes the error of a check of one value (a search, a lookup)
// say that value's problem as its message, so that a page without the
// field shows it too.
func oneField(err error) error {
	if e, ok := apperr.As(err); ok && len(e.Fields) == 1 {
		for _, key := range e.Fields {
			e.Key = key
		}
	}
	return err
}

func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return errNotFound
	}
	return err
}

// --- tenants ---

const tenantColumns = `t.id, t.name, t.created_at,
	(SELECT count(*) FROM users u WHERE u.tenant_id = t.id),
	(SELECT count(*) FROM cameras c WHERE c.tenant_id = t.id)`

func scanTenant(row pgx.Row) (Tenant, error) {
	var t Tenant
	err := row.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.OwnerCount, &t.CameraCount)
	return t, err
}

// CreateTenant adds a tenant.
func (s *Store) CreateTenant(ctx context.Context, actor audit.Actor, in TenantInput) (Tenant, error) {
	var v apperr.Validation
	name := checkName(&v, "name", in.Name, true)
	if err := v.Err(); err != nil {
		return Tenant{}, err
	}
	var t Tenant
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO tenants (name) VALUES ($1) RETURNING id, name, created_at`, name).
			Scan(&t.ID, &t.Name, &t.CreatedAt); err != nil {
			return fmt.Errorf("insert tenant: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "tenant.create", TenantID: t.ID,
			Target: fmt.Sprintf("tenant:%d", t.ID), Details: map[string]any{"name": name}})
	})
	return t, err
}

// RenameTenant changes a tenant's name.
func (s *Store) RenameTenant(ctx context.Context, actor audit.Actor, tenantID int64, in TenantInput) error {
	var v apperr.Validation
	name := checkName(&v, "name", in.Name, true)
	if err := v.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var old string
		if err := tx.QueryRow(ctx, `SELECT name FROM tenants WHERE id = $1 FOR UPDATE`, tenantID).Scan(&old); err != nil {
			return notFound(err)
		}
		if old == name {
			return nil // nothing changes, so nothing is recorded
		}
		if _, err := tx.Exec(ctx, `UPDATE tenants SET name = $2, updated_at = now() WHERE id = $1`, tenantID, name); err != nil {
			return fmt.Errorf("rename tenant: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "tenant.rename", TenantID: tenantID,
			Target: fmt.Sprintf("tenant:%d", tenantID), Details: map[string]any{"from": old, "to": name}})
	})
}

// GetTenant returns one tenant.
func (s *Store) GetTenant(ctx context.Context, tenantID int64) (Tenant, error) {
	t, err := scanTenant(s.pool.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE t.id = $1`, tenantID))
	if err != nil {
		return Tenant{}, notFound(err)
	}
	return t, nil
}

// FieldQuery is the field a refused search of tenants is reported on.
const FieldQuery = "q"

// ListTenants lists tenants whose name, owner e-mail or camera device ID
// contains query (all when empty), newest first, at most limit. A query
// that is not one line of text of at most MaxQueryLen characters is
// refused (Invalid, on FieldQuery).
func (s *Store) ListTenants(ctx context.Context, query string, limit int) ([]Tenant, error) {
	var v apperr.Validation
	query = checkQuery(&v, FieldQuery, query)
	if err := v.Err(); err != nil {
		return nil, oneField(err)
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+tenantColumns+` FROM tenants t
		WHERE $1 = ''
		   OR t.name ILIKE '%' || $1 || '%'
		   OR EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = t.id AND u.email LIKE '%' || lower($1) || '%')
		   OR EXISTS (SELECT 1 FROM cameras c WHERE c.tenant_id = t.id AND c.device_id ILIKE '%' || $1 || '%')
		ORDER BY t.id DESC
		LIMIT $2`, escapeLike(query), limit)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tenant, error) { return scanTenant(r) })
}

// escapeLike makes query match literally inside a LIKE pattern.
func escapeLike(q string) string {
	out := make([]rune, 0, len(q))
	for _, r := range q {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// --- users ---

const userColumns = `id, email, display_name, password_hash, role, coalesce(tenant_id, 0), disabled, session_epoch, created_at`

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.passwordHash, &u.Role, &u.TenantID, &u.Disabled, &u.SessionEpoch, &u.CreatedAt)
	return u, err
}

// CreateOwner adds a camera owner to a tenant.
func (s *Store) CreateOwner(ctx context.Context, actor audit.Actor, tenantID int64, in UserInput) (User, error) {
	return s.createUser(ctx, actor, RoleOwner, tenantID, in)
}

// CreateStaff adds a support staff user.
func (s *Store) CreateStaff(ctx context.Context, actor audit.Actor, in UserInput) (User, error) {
	return s.createUser(ctx, actor, RoleStaff, 0, in)
}

func (s *Store) createUser(ctx context.Context, actor audit.Actor, role Role, tenantID int64, in UserInput) (User, error) {
	var v apperr.Validation
	email := checkEmail(&v, "email", in.Email)
	name := checkName(&v, "display_name", in.DisplayName, false)
	checkPassword(&v, "password", in.Password)
	if err := v.Err(); err != nil {
		return User{}, err
	}
	hash, err := password.Hash(in.Password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if role == RoleOwner {
			if err := tx.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR SHARE`, tenantID).Scan(new(int)); err != nil {
				return notFound(err)
			}
		}
		u, err = scanUser(tx.QueryRow(ctx, `
			INSERT INTO users (email, display_name, password_hash, role, tenant_id)
			VALUES ($1, $2, $3, $4, nullif($5, 0))
			RETURNING `+userColumns, email, name, hash, role, tenantID))
		if db.IsUniqueViolation(err, "users_email_key") {
			return &apperr.Error{Kind: apperr.Conflict, Key: "err.form_invalid", Fields: map[string]string{"email": "err.email_taken"}}
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "user.create", TenantID: tenantID,
			Target: fmt.Sprintf("user:%d", u.ID), Details: map[string]any{"email": email, "role": string(role)}})
	})
	return u, err
}

// UserByEmail returns the user with that e-mail address. Text no address
// can hold (a control or direction character, too long) is refused
// (Invalid, on the field "email") before any query.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var v apperr.Validation
	if !checkEmailText(&v, "email", email) {
		return User{}, oneField(v.Err())
	}
	email = NormalizeEmail(email)
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if err != nil {
		return User{}, notFound(err)
	}
	return u, nil
}

// User returns a user by ID.
func (s *Store) User(ctx context.Context, userID int64) (User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, userID))
	if err != nil {
		return User{}, notFound(err)
	}
	return u, nil
}

// Owners lists the owners of a tenant.
func (s *Store) Owners(ctx context.Context, tenantID int64) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list owners: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
}

// Staff lists the support staff users.
func (s *Store) Staff(ctx context.Context) ([]User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE role = 'staff' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
}

// SetUserDisabled disables or re-enables a user's login. Disabling ends
// their sessions at their next request, as the session loader re-reads it.
// A user already so is left as is, and nothing is recorded.
func (s *Store) SetUserDisabled(ctx context.Context, actor audit.Actor, userID int64, disabled bool) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var tenantID int64
		var was bool
		err := tx.QueryRow(ctx, `SELECT coalesce(tenant_id, 0), disabled FROM users WHERE id = $1 FOR UPDATE`, userID).
			Scan(&tenantID, &was)
		if err != nil {
			return notFound(err)
		}
		if was == disabled {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1`, userID, disabled); err != nil {
			return fmt.Errorf("set user disabled: %w", err)
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: action, TenantID: tenantID,
			Target: fmt.Sprintf("user:%d", userID)})
	})
}

// SetPassword replaces a user's password and ends the user's sessions.
func (s *Store) SetPassword(ctx context.Context, actor audit.Actor, userID int64, pw string) error {
	var v apperr.Validation
	checkPassword(&v, "password", pw)
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var tenantID int64
		err := tx.QueryRow(ctx, `UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1, updated_at = now() WHERE id = $1
			RETURNING coalesce(tenant_id, 0)`, userID, hash).Scan(&tenantID)
		if err != nil {
			return notFound(err)
		}
		return audit.Record(ctx, tx, audit.Entry{Actor: actor, Action: "user.set_password", TenantID: tenantID,
			Target: fmt.Sprintf("user:%d", userID)})
	})
}

// Pool is the store's database pool, for reading the audit log.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
