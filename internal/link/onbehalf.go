package link

import (
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
	"github.com/poslink/poslink/internal/textcheck"
)

// MaxReasonLen bounds the reason support staff give for a change made on
// a tenant's behalf: a sentence or two, as the audit log keeps it.
const MaxReasonLen = 500

// FieldReason is the form field of the reason, for its message.
const FieldReason = "reason"

// OnBehalf is the actor of a change support staff make on a tenant's
// behalf: staff, with the reason they give, which is required. A reason
// that is empty, too long or not clean text is refused with its message
// on FieldReason, before anything is read or changed.
func OnBehalf(staff audit.Actor, reason string) (audit.Actor, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return audit.Actor{}, &apperr.Error{Kind: apperr.Invalid, Key: "err.reason_required",
			Fields: map[string]string{FieldReason: "err.reason_required"}}
	}
	if p := textcheck.Line(reason, MaxReasonLen); p != textcheck.OK {
		return audit.Actor{}, &apperr.Error{Kind: apperr.Invalid, Key: p.Key(),
			Fields: map[string]string{FieldReason: p.Key()}}
	}
	staff.Reason = reason
	return staff, nil
}
