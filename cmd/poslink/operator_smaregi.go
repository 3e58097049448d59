package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/poslink/poslink/internal/apperr"
	"github.com/poslink/poslink/internal/link"
	"github.com/poslink/poslink/internal/link/smaregilink"
	"github.com/poslink/poslink/internal/textcheck"
)

func smaregiOps() map[string]operation {
	return map[string]operation{
		"import-legacy": {
			summary: "import a link made with the old API, with its terminals' cameras",
			synopsis: "--tenant ID --contract 契約ID (--access-token-stdin | --access-token-file PATH) " +
				"[--memo TEXT] [--bind STORE:TERMINAL=DEVICE_ID[:NAME] …]",
			required: []string{"tenant", "contract"},
			oneOf:    []string{"access-token-stdin", "access-token-file"},
			define: func(fs *flag.FlagSet) action {
				tenant := fs.Int64("tenant", 0, "the tenant's ID")
				contract := fs.String("contract", "", "the Smaregi 契約ID")
				fromStdin := fs.Bool("access-token-stdin", false, "read the アクセストークン from the first line of standard input")
				file := fs.String("access-token-file", "", "read the アクセストークン from this file (kept out of the process list)")
				memo := fs.String("memo", "", "the link's メモ")
				var binds bindFlags
				fs.Var(&binds, "bind", "a terminal and the camera it feeds: STORE_ID:TERMINAL_ID=CAMERA_DEVICE_ID[:TERMINAL_NAME] (repeatable)")
				return func(ctx context.Context, c *call) error {
					c.flagOf["contract_id"] = "contract"
					if _, err := c.store.GetTenant(ctx, *tenant); err != nil {
						return &cliError{msg: fmt.Sprintf("tenant %d not found", *tenant), err: err}
					}
					token, err := readToken(c.stdin, *fromStdin, *file)
					if err != nil {
						return err
					}
					c.flagOf["access_token"] = map[bool]string{true: "access-token-stdin", false: "access-token-file"}[*fromStdin]
					in := smaregilink.LegacyImport{ContractID: *contract, AccessToken: token, Memo: *memo}
					for i, b := range binds {
						cam, err := c.store.CameraByDeviceID(ctx, b.deviceID)
						if apperr.KindOf(err) == apperr.Invalid {
							c.flagOf["device_id"] = "bind " + shown(b.raw)
							return err
						}
						if err != nil || cam.TenantID != *tenant {
							// Another tenant's camera reads as unknown: the
							// command does not confirm that it exists.
							return &cliError{msg: fmt.Sprintf("--bind %s: no camera with device ID %q in tenant %d", shown(b.raw), b.deviceID, *tenant)}
						}
						c.flagOf[fmt.Sprintf("bindings[%d]", i)] = "bind " + shown(b.raw)
						in.Bindings = append(in.Bindings, smaregilink.LegacyBinding{StoreID: b.store, TerminalID: b.terminal,
							TerminalName: b.name, CameraID: cam.ID})
					}
					conn, err := c.smaregi.ImportLegacy(ctx, c.actor, *tenant, in)
					if err != nil {
						return err
					}
					c.printf(c.stdout, "legacy Smaregi link %d imported for tenant %d: 契約ID %s, %d terminal(s)\n",
						conn.ID, *tenant, conn.ExternalID, len(in.Bindings))
					if conn.Status == link.UpdateRequired {
						c.println(c.stdout, "the old API's cut-over has passed: the link is 要更新 until the owner enters a client ID and secret (連携情報修正)")
					}
					return nil
				}
			},
		},
	}
}

// readToken reads the access token from standard input or a file, never
// from the command line.
func readToken(stdin io.Reader, fromStdin bool, file string) (string, error) {
	if fromStdin {
		return readLine(stdin)
	}
	f, err := os.Open(file)
	if err != nil {
		return "", &cliError{msg: fmt.Sprintf("--access-token-file: %v", err), err: err}
	}
	defer func() { _ = f.Close() }() // read only: closing reports nothing of use
	return readLine(f)
}

// shown is an argument as an error message repeats it: as typed, or
// quoted with escapes when it holds what a terminal would act on or show
// misleadingly (a control or direction character).
func shown(arg string) string {
	if textcheck.Line(arg, len(arg)) == textcheck.OK {
		return arg
	}
	return strconv.Quote(arg)
}

// bindFlag is one --bind: STORE:TERMINAL=DEVICE_ID[:NAME].
type bindFlag struct {
	raw, store, terminal, deviceID, name string
}

type bindFlags []bindFlag

func (b *bindFlags) String() string { return fmt.Sprint(len(*b), " binding(s)") }

func (b *bindFlags) Set(v string) error {
	term, cam, ok := strings.Cut(v, "=")
	store, terminal, ok2 := strings.Cut(term, ":")
	device, name, _ := strings.Cut(cam, ":")
	if !ok || !ok2 || store == "" || terminal == "" || device == "" {
		return fmt.Errorf("%q: want STORE_ID:TERMINAL_ID=CAMERA_DEVICE_ID[:TERMINAL_NAME]", v)
	}
	*b = append(*b, bindFlag{raw: v, store: store, terminal: terminal, deviceID: device, name: name})
	return nil
}
