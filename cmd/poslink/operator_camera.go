package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/tenancy"
)

// posLeadDays is how many days after ordering the POS option becomes usable
// when no date is given: the manuals say linking is possible from the
// fourth day after ordering, that is today + 3.
const posLeadDays = 3

func cameraOps() map[string]operation {
	return map[string]operation{
		"create": {
			summary: "register a tenant's camera (POS option off)", synopsis: "--tenant ID --device-id D --name N [--model M]",
			required: []string{"tenant", "device-id", "name"},
			define: func(fs *flag.FlagSet) action {
				tenantID := fs.Int64("tenant", 0, "the ID of the camera's tenant")
				deviceID := fs.String("device-id", "", "the camera cloud's device ID (letters, digits, - and _)")
				name := fs.String("name", "", "the camera's name, at most 100 characters")
				model := fs.String("model", "", "the camera's model, at most 100 characters")
				return func(ctx context.Context, c *call) error {
					cam, err := c.store.CreateCamera(ctx, c.actor, *tenantID,
						tenancy.CameraInput{DeviceID: *deviceID, Name: *name, Model: *model})
					if err != nil {
						return notFound(err, "tenant %d", *tenantID)
					}
					c.printf(c.stdout, "camera %d created: %s %s (tenant %d)\n", cam.ID, cam.DeviceID, cam.Name, cam.TenantID)
					return nil
				}
			},
		},
		"list": {
			summary: "list a tenant's cameras and their POS option", synopsis: "--tenant ID", required: []string{"tenant"},
			define: func(fs *flag.FlagSet) action {
				tenantID := fs.Int64("tenant", 0, "the tenant's ID")
				return func(ctx context.Context, c *call) error {
					// An unknown tenant is an error, not an empty list, so that a
					// mistyped ID is noticed.
					if _, err := c.store.GetTenant(ctx, *tenantID); err != nil {
						return notFound(err, "tenant %d", *tenantID)
					}
					cams, err := c.store.Cameras(ctx, *tenantID)
					if err != nil {
						return err
					}
					return writeCameras(c, cams)
				}
			},
		},
		"pos": {
			summary:  "switch a camera's POS option on (usable from a day) or off",
			synopsis: "--device-id D (--on [--usable-from YYYY-MM-DD] | --off)",
			required: []string{"device-id"}, oneOf: []string{"on", "off"},
			define: func(fs *flag.FlagSet) action {
				deviceID := fs.String("device-id", "", "the camera's device ID")
				on := fs.Bool("on", false, "switch the POS option on")
				fs.Bool("off", false, "switch the POS option off")
				usableFrom := fs.String("usable-from", "", "with --on: the first day linking is allowed (default today + 3 days)")
				return func(ctx context.Context, c *call) error {
					return setPOS(ctx, c, strings.TrimSpace(*deviceID), *on, *usableFrom)
				}
			},
		},
	}
}

// setPOS is `camera pos`. The camera is found by device ID, the one name
// of a camera both the operator and the camera cloud know.
func setPOS(ctx context.Context, c *call, deviceID string, on bool, usableFrom string) error {
	if !on && c.given["usable-from"] {
		return fmt.Errorf("%w: camera pos: --usable-from goes with --on only", errUsage)
	}
	var from time.Time
	defaulted := false
	if on {
		if c.given["usable-from"] {
			var ok bool
			if from, ok = tenancy.ParseDate(usableFrom); !ok {
				return apperr.Field("pos_usable_from", "err.date_invalid")
			}
		} else {
			from, defaulted = c.store.Today().AddDate(0, 0, posLeadDays), true
		}
	}
	cam, err := c.store.CameraByDeviceID(ctx, deviceID)
	if err != nil {
		return notFound(err, "camera with device ID %s", deviceID)
	}
	if err := c.store.SetPOSOption(ctx, c.actor, cam.TenantID, cam.ID, on, from); err != nil {
		return notFound(err, "camera with device ID %s", deviceID)
	}
	switch {
	case !on:
		c.printf(c.stdout, "camera %s: POS option off\n", cam.DeviceID)
	case defaulted:
		c.printf(c.stdout, "camera %s: POS option on, usable from %s (today + %d days: linking is possible from the fourth day after ordering; set another day with --usable-from)\n",
			cam.DeviceID, from.Format(time.DateOnly), posLeadDays)
	default:
		c.printf(c.stdout, "camera %s: POS option on, usable from %s\n", cam.DeviceID, from.Format(time.DateOnly))
	}
	return nil
}

// writeCameras prints cameras as a table with their POS option as it
// stands today in the operator's time zone.
func writeCameras(c *call, cams []tenancy.Camera) error {
	state := map[tenancy.POSState]string{tenancy.POSOff: "off", tenancy.POSWaiting: "waiting", tenancy.POSUsable: "usable"}
	today := c.store.Today()
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	c.println(tw, "ID\tDEVICE ID\tNAME\tMODEL\tPOS\tUSABLE FROM")
	for _, cam := range cams {
		model, from := cam.Model, "-"
		if model == "" {
			model = "-"
		}
		if cam.POSEnabled {
			from = cam.POSUsableFrom.Format(time.DateOnly)
		}
		c.printf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", cam.ID, cam.DeviceID, cam.Name, model, state[cam.POSStateOn(today)], from)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write camera list: %w", err)
	}
	return nil
}
