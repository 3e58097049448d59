package auditview

import (
	"strings"

	"github.com/poslink/poslink/internal/i18n"
)

// Choice is one option of the filter's action list: an action, or a group
// of actions ("link.", every change of POS links).
type Choice struct {
	Value string
	Label string
}

// ActionChoices lists the groups, then every action, in lang.
func ActionChoices(lang i18n.Lang) []Choice {
	var groups, each []Choice
	for _, a := range actions {
		group := a.name[:strings.Index(a.name, ".")+1]
		if len(groups) == 0 || groups[len(groups)-1].Value != group {
			groups = append(groups, Choice{Value: group, Label: ActionName(lang, group)})
		}
		each = append(each, Choice{Value: a.name, Label: ActionName(lang, a.name)})
	}
	return append(groups, each...)
}

// IsChoice says whether v is an action or a group the filter offers.
func IsChoice(v string) bool {
	for _, a := range actions {
		if v == a.name || strings.HasSuffix(v, ".") && strings.HasPrefix(a.name, v) {
			return true
		}
	}
	return false
}

// ActionName is an action's (or a group's) name in lang; one without a
// name (written by a newer part of the system) shows as its code.
func ActionName(lang i18n.Lang, action string) string {
	key := "audit.action." + action
	if group, ok := strings.CutSuffix(action, "."); ok {
		key = "audit.group." + group
	}
	if !i18n.Has(key) {
		return action
	}
	return i18n.T(lang, key)
}
