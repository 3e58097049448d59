package views

import "strconv"

// The portal's URLs, built in one place for the templates' links and forms
// and for the handlers' redirects.

// CameraURL is an owner's camera page.
func CameraURL(id int64) string { return "/cameras/" + itoa(id) }

// CameraEventsURL is the stream of a camera's new transactions.
func CameraEventsURL(id int64) string { return CameraURL(id) + "/events" }

// UbiregiURL is an action on a linked Ubiregi account ("bind", "unbind",
// "delete").
func UbiregiURL(connID int64, action string) string {
	return "/ubiregi/" + itoa(connID) + "/" + action
}

// UbiregiAccountURL is the Ubiregi連携設定 page at one account.
func UbiregiAccountURL(connID int64) string { return "/ubiregi#conn-" + itoa(connID) }

// SmaregiURL is a Smaregi link's terminal page (action ""), or an action on
// it ("bind", "edit", "unbind", "delete").
func SmaregiURL(id int64, action string) string {
	u := "/smaregi/" + itoa(id)
	if action != "" {
		u += "/" + action
	}
	return u
}

// SmaregiLinkURL is the スマレジ連携設定 list at one link.
func SmaregiLinkURL(id int64) string { return "/smaregi#link-" + itoa(id) }

// SupportTenantURL is a tenant's page in the support console.
func SupportTenantURL(id int64) string { return "/support/tenants/" + itoa(id) }

// SupportCameraURL is a camera's page in the support console.
func SupportCameraURL(tenantID, cameraID int64) string {
	return SupportTenantURL(tenantID) + "/cameras/" + itoa(cameraID)
}

// SupportUserURL is an action on an owner ("enable", "disable", "password").
func SupportUserURL(tenantID, userID int64, action string) string {
	return SupportTenantURL(tenantID) + "/users/" + itoa(userID) + "/" + action
}

// SupportAuditURL is the 監査ログ of one tenant.
func SupportAuditURL(tenantID int64) string {
	return "/support/audit?tenant=" + itoa(tenantID)
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }
