package tenancy

import "context"

// TenantOwner returns an owner of the tenant. A user of another tenant, or a
// staff user, is not found: the support console takes both IDs from the URL
// and must not act on a user through the wrong tenant's page.
func (s *Store) TenantOwner(ctx context.Context, tenantID, userID int64) (User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users
		WHERE tenant_id = $1 AND id = $2 AND role = 'owner'`, tenantID, userID))
	if err != nil {
		return User{}, notFound(err)
	}
	return u, nil
}
