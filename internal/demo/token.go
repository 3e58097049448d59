package demo

import (
	"context"
	"fmt"

	"github.com/poslink/poslink/internal/apitoken"
	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/audit"
)

// ViewerTokenName names the demo owner's viewer API token.
const ViewerTokenName = "デモ用ビューア"

// ViewerToken is the demo owner's viewer API token: previous (what an
// earlier run wrote to var/demo.json) while it still works for the demo
// tenant, else a new one. The database keeps only its hash, so the demo
// file is where a restart finds it again.
func ViewerToken(ctx context.Context, tokens *apitoken.Store, tenantID int64, previous string) (string, error) {
	if previous != "" {
		p, err := tokens.Check(ctx, previous)
		if err == nil && p.TenantID == tenantID {
			return previous, nil
		}
		if err != nil && apperr.KindOf(err) != apperr.Unauthorized {
			return "", fmt.Errorf("check the demo's viewer token: %w", err)
		}
	}
	c, err := tokens.Create(ctx, audit.Actor{Label: actorLabel}, tenantID, apitoken.Input{Name: ViewerTokenName})
	if err != nil {
		return "", fmt.Errorf("create the demo's viewer token: %w", err)
	}
	return c.Secret, nil
}
