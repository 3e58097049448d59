package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/poslink/poslink/internal/tenancy"
)

// tenantListLimit bounds `tenant list`; --query narrows a longer list.
const tenantListLimit = 500

func tenantOps() map[string]operation {
	return map[string]operation{
		"create": {
			summary: "add a tenant and print its ID", synopsis: "--name NAME", required: []string{"name"},
			define: func(fs *flag.FlagSet) action {
				name := fs.String("name", "", "the tenant's name (a shop or company), at most 100 characters")
				return func(ctx context.Context, c *call) error {
					t, err := c.store.CreateTenant(ctx, c.actor, tenancy.TenantInput{Name: *name})
					if err != nil {
						return err
					}
					c.printf(c.stdout, "tenant %d created: %s\n", t.ID, t.Name)
					return nil
				}
			},
		},
		"list": {
			summary: "list tenants, newest first", synopsis: "[--query TEXT]",
			define: func(fs *flag.FlagSet) action {
				query := fs.String("query", "", "only tenants whose name, owner e-mail or camera device ID contains TEXT")
				return func(ctx context.Context, c *call) error {
					c.flagOf[tenancy.FieldQuery] = "query"
					ts, err := c.store.ListTenants(ctx, *query, tenantListLimit)
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
					c.println(tw, "ID\tNAME\tOWNERS\tCAMERAS")
					for _, t := range ts {
						c.printf(tw, "%d\t%s\t%d\t%d\n", t.ID, t.Name, t.OwnerCount, t.CameraCount)
					}
					if err := tw.Flush(); err != nil {
						return fmt.Errorf("write tenant list: %w", err)
					}
					if len(ts) == tenantListLimit {
						c.printf(c.stderr, "poslink: showing the newest %d tenants; narrow the list with --query\n", tenantListLimit)
					}
					return nil
				}
			},
		},
		"rename": {
			summary: "change a tenant's name", synopsis: "--id ID --name NAME", required: []string{"id", "name"},
			define: func(fs *flag.FlagSet) action {
				id := fs.Int64("id", 0, "the tenant's ID")
				name := fs.String("name", "", "the new name, at most 100 characters")
				return func(ctx context.Context, c *call) error {
					if err := c.store.RenameTenant(ctx, c.actor, *id, tenancy.TenantInput{Name: *name}); err != nil {
						return notFound(err, "tenant %d", *id)
					}
					t, err := c.store.GetTenant(ctx, *id)
					if err != nil {
						return notFound(err, "tenant %d", *id)
					}
					c.printf(c.stdout, "tenant %d renamed: %s\n", t.ID, t.Name)
					return nil
				}
			},
		},
	}
}
