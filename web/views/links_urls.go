package views

// SupportLinksURL is a tenant's links in the support console.
func SupportLinksURL(tenantID int64) string { return SupportTenantURL(tenantID) + "/links" }

// SupportLinkURL is a change of a tenant's link in the support console
// ("rebind", "unbind", "delete").
func SupportLinkURL(tenantID, connID int64, action string) string {
	return SupportLinksURL(tenantID) + "/" + itoa(connID) + "/" + action
}
