package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/tables"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
)

func newCredentialsCmd(ios *output.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "credentials",
		Aliases: []string{"creds"},
		Short:   "Manage client credentials: basic (username/password) and X.509 certificates",
		Example: `  printf '%s' "$PASSWORD" | kaactl credentials basic create --username sensor-1 --password-stdin
  kaactl credentials cert add --pem device.crt
  kaactl credentials basic ls -o json`,
	}
	m := newManageGroup(ios, cmd)
	b, c := basicKind(), certKind()
	basic := &cobra.Command{Use: "basic", Short: "Username/password client credentials", RunE: cli.GroupRunE,
		Example: "  kaactl credentials basic ls\n  kaactl credentials basic suspend <credentialsId>\n  kaactl credentials basic revoke <credentialsId>"}
	basic.AddCommand(newBasicCreateCmd(m, nil), newCredLsCmd(m, b, nil))
	addCredStatusCmds(basic, m, b)
	cert := &cobra.Command{Use: "cert", Aliases: []string{"x509"}, Short: "X.509 client certificate credentials", RunE: cli.GroupRunE,
		Example: "  kaactl credentials cert add --pem device.crt\n  kaactl credentials cert ls"}
	cert.AddCommand(newCertAddCmd(m, nil), newCredLsCmd(m, c, nil))
	addCredStatusCmds(cert, m, c)
	cmd.AddCommand(basic, cert)
	return cmd
}

// addCredStatusCmds adds revoke, suspend and activate to group.
func addCredStatusCmds[C, S any](group *cobra.Command, m *cli.Manage, k credKind[C, S]) {
	for _, st := range []struct {
		verb, short string
		status      api.Status
	}{
		{"revoke", "Revoke " + k.name + " credentials for good (their sessions are closed)", api.StatusRevoked},
		{"suspend", "Suspend " + k.name + " credentials until activated (their sessions are closed)", api.StatusSuspended},
		{"activate", "Re-activate suspended " + k.name + " credentials", api.StatusActive},
	} {
		group.AddCommand(newCredStatusCmd(m, k, st.verb, st.short, st.status, nil))
	}
}

// credKind is what tells basic and X.509 credentials (C, created from a
// spec S) apart in the commands they share.
type credKind[C, S any] struct {
	name    string // the command group: "basic" or "cert"
	lsShort string
	create  func(*admin.ProviderClient, context.Context, string, S) (C, error)
	list    func(*admin.ProviderClient, context.Context, string) ([]C, error)
	status  func(*admin.ProviderClient, context.Context, string, string, api.Status) error
	table   output.Columns[C]
}

func basicKind() credKind[api.BasicCredential, api.BasicSpec] {
	return credKind[api.BasicCredential, api.BasicSpec]{name: "basic", lsShort: "List basic credentials (never their passwords)",
		create: (*admin.ProviderClient).CreateBasicWith, list: (*admin.ProviderClient).ListBasic, status: (*admin.ProviderClient).SetBasicStatus,
		table: tables.Basic()}
}

func certKind() credKind[api.CertCredential, api.CertSpec] {
	return credKind[api.CertCredential, api.CertSpec]{name: "cert", lsShort: "List X.509 credentials",
		create: (*admin.ProviderClient).AddCertWith, list: (*admin.ProviderClient).ListCerts, status: (*admin.ProviderClient).SetCertStatus,
		table: tables.Certs()}
}

// credCreateOptions are the flags of `kaactl credentials basic create` and
// `cert add`: the spec of the credentials.
type credCreateOptions[S any] struct {
	*cli.Manage
	spec S
}

// runCredCreate creates the credentials of the spec and prints them.
func runCredCreate[C, S any](k credKind[C, S]) func(context.Context, *admin.ProviderClient, *credCreateOptions[S]) error {
	return func(ctx context.Context, c *admin.ProviderClient, o *credCreateOptions[S]) error {
		cred, err := k.create(c, ctx, o.Tenant, o.spec)
		if err != nil {
			return err
		}
		return k.table.Print(o.Printer, cred, cred)
	}
}

func newBasicCreateCmd(m *cli.Manage, runF func(context.Context, *credCreateOptions[api.BasicSpec]) error) *cobra.Command {
	o := &credCreateOptions[api.BasicSpec]{Manage: m}
	cmd := &cobra.Command{
		Use:     "create --username U --password-stdin",
		Short:   "Create basic credentials (at least 16 random bytes; stored only as a salted hash)",
		Example: `  printf '%s' "$PASSWORD" | kaactl credentials basic create --username sensor-1 --password-stdin`,
		Args:    cli.ExactArgs(0),
	}
	var passwordStdin bool
	f := cmd.Flags()
	f.StringVar(&o.spec.Username, "username", "", "username (required)")
	f.StringVar(&o.spec.ClientID, "client-id", "", "MQTT client ID bound to the credentials (default: the username)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	f.StringVar(&o.spec.Password, "password", "", "the password (insecure: lands in shell history; prefer --password-stdin)")
	return cli.Leaf(cmd, o, func([]string) error {
		if err := cli.NeedFlag("username", o.spec.Username); err != nil {
			return err
		}
		switch {
		case passwordStdin && o.spec.Password != "":
			return cli.Usagef("--password and --password-stdin are mutually exclusive")
		case passwordStdin:
			pw, err := readPassword(o.IO.In)
			o.spec.Password = pw
			return err
		case o.spec.Password != "":
			return o.Note("warning: --password lands in your shell history; prefer --password-stdin")
		}
		return cli.Usagef("--password-stdin (or --password) is required")
	}, cli.WithProvider(m, runCredCreate(basicKind())), runF)
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", cli.Usagef("--password-stdin: stdin is empty")
	}
	return pw, nil
}

func newCertAddCmd(m *cli.Manage, runF func(context.Context, *credCreateOptions[api.CertSpec]) error) *cobra.Command {
	o := &credCreateOptions[api.CertSpec]{Manage: m}
	cmd := &cobra.Command{
		Use:   "add --pem FILE | --issuer DN --serial N",
		Short: "Register an X.509 client certificate, from its PEM or by issuer DN and serial",
		Example: `  kaactl credentials cert add --pem device.crt
  kaactl credentials cert add --issuer 'CN=Device CA,O=Example' --serial 4096`,
		Args: cli.ExactArgs(0),
	}
	var pemFile string
	f := cmd.Flags()
	f.StringVar(&pemFile, "pem", "", `PEM file of the certificate ("-": stdin)`)
	f.StringVar(&o.spec.Issuer, "issuer", "", "issuer distinguished name, e.g. 'CN=Device CA,O=Example'")
	f.StringVar(&o.spec.Serial, "serial", "", "serial number, base 10")
	return cli.Leaf(cmd, o, func([]string) error {
		byPEM, bySerial := pemFile != "", o.spec.Issuer != "" || o.spec.Serial != ""
		switch {
		case byPEM && bySerial:
			return cli.Usagef("--pem and --issuer/--serial are mutually exclusive")
		case byPEM:
			var data []byte
			var err error
			if pemFile == "-" {
				data, err = io.ReadAll(io.LimitReader(o.IO.In, 1<<20))
			} else {
				data, err = os.ReadFile(pemFile)
			}
			if err != nil {
				return fmt.Errorf("--pem: %w", err)
			}
			o.spec.PEM = string(data)
		case o.spec.Issuer == "" || o.spec.Serial == "":
			return cli.Usagef("want --pem FILE, or both --issuer and --serial")
		}
		return nil
	}, cli.WithProvider(m, runCredCreate(certKind())), runF)
}

// credLsOptions are the flags of `kaactl credentials basic|cert ls`.
type credLsOptions struct{ *cli.Manage }

func newCredLsCmd[C, S any](m *cli.Manage, k credKind[C, S], runF func(context.Context, *credLsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   k.lsShort,
		Example: "  kaactl credentials " + k.name + " ls\n  kaactl credentials " + k.name + " ls -o yaml",
		Args:    cli.ExactArgs(0),
	}
	return cli.Leaf(cmd, &credLsOptions{m}, nil, cli.WithProvider(m, func(ctx context.Context, c *admin.ProviderClient, o *credLsOptions) error {
		creds, err := k.list(c, ctx, o.Tenant)
		if err != nil {
			return err
		}
		return k.table.List(o.Printer, creds)
	}), runF)
}

// credStatusOptions are the flags of `kaactl credentials basic|cert
// revoke|suspend|activate`.
type credStatusOptions struct {
	*cli.Manage
	id     string
	status api.Status
}

func newCredStatusCmd[C, S any](m *cli.Manage, k credKind[C, S], verb, short string, status api.Status,
	runF func(context.Context, *credStatusOptions) error) *cobra.Command {
	o := &credStatusOptions{Manage: m, status: status}
	cmd := &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Example: "  kaactl credentials " + k.name + " " + verb + " <credentialsId>",
		Args:    cli.ExactArgs(1),
	}
	return cli.Leaf(cmd, o, func(args []string) error { o.id = args[0]; return nil }, cli.WithProvider(m, func(ctx context.Context, c *admin.ProviderClient, o *credStatusOptions) error {
		if err := k.status(c, ctx, o.Tenant, o.id, o.status); err != nil {
			return err
		}
		return o.Print(map[string]string{"credentialsId": o.id, "status": string(o.status)}, func() error {
			return o.Say("credentials %s are %s", o.id, o.status)
		})
	}), runF)
}
