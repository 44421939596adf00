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
		Example: "  kaactl credentials basic ls\n  kaactl credentials basic revoke <credentialsId>"}
	basic.AddCommand(newBasicCreateCmd(m, nil), newCredLsCmd(m, b, nil), newCredRevokeCmd(m, b, nil))
	cert := &cobra.Command{Use: "cert", Aliases: []string{"x509"}, Short: "X.509 client certificate credentials", RunE: cli.GroupRunE,
		Example: "  kaactl credentials cert add --pem device.crt\n  kaactl credentials cert ls"}
	cert.AddCommand(newCertAddCmd(m, nil), newCredLsCmd(m, c, nil), newCredRevokeCmd(m, c, nil))
	cmd.AddCommand(basic, cert)
	return cmd
}

// credKind is what tells basic and X.509 credentials apart in the commands
// they share.
type credKind[C any] struct {
	name    string // the command group: "basic" or "cert"
	lsShort string
	list    func(*admin.ProviderClient, context.Context, string) ([]C, error)
	revoke  func(*admin.ProviderClient, context.Context, string, string) error
	table   output.Columns[C]
}

func basicKind() credKind[api.BasicCredential] {
	return credKind[api.BasicCredential]{name: "basic", lsShort: "List basic credentials (never their passwords)",
		list: (*admin.ProviderClient).ListBasic, revoke: (*admin.ProviderClient).RevokeBasic, table: tables.Basic()}
}

func certKind() credKind[api.CertCredential] {
	return credKind[api.CertCredential]{name: "cert", lsShort: "List X.509 credentials",
		list: (*admin.ProviderClient).ListCerts, revoke: (*admin.ProviderClient).RevokeCert, table: tables.Certs()}
}

// basicCreateOptions are the flags of `kaactl credentials basic create`.
type basicCreateOptions struct {
	*manageOptions
	username      string
	clientID      string
	password      string
	passwordStdin bool
}

func newBasicCreateCmd(m *manageOptions, runF func(context.Context, *basicCreateOptions) error) *cobra.Command {
	o := &basicCreateOptions{manageOptions: m}
	cmd := &cobra.Command{
		Use:     "create --username U --password-stdin",
		Short:   "Create basic credentials (the password is stored only as a bcrypt hash)",
		Example: `  printf '%s' "$PASSWORD" | kaactl credentials basic create --username sensor-1 --password-stdin`,
		Args:    cli.ExactArgs(0),
	}
	f := cmd.Flags()
	f.StringVar(&o.username, "username", "", "username (required)")
	f.StringVar(&o.clientID, "client-id", "", "MQTT client ID bound to the credentials (default: the username)")
	f.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	f.StringVar(&o.password, "password", "", "the password (insecure: lands in shell history; prefer --password-stdin)")
	return cli.Leaf(cmd, o, func([]string) error {
		if err := cli.NeedFlag("username", o.username); err != nil {
			return err
		}
		switch {
		case o.passwordStdin && o.password != "":
			return cli.Usagef("--password and --password-stdin are mutually exclusive")
		case o.passwordStdin:
			pw, err := readPassword(o.IO.In)
			o.password = pw
			return err
		case o.password != "":
			return o.Note("warning: --password lands in your shell history; prefer --password-stdin")
		}
		return cli.Usagef("--password-stdin (or --password) is required")
	}, runBasicCreate, runF)
}

func runBasicCreate(ctx context.Context, o *basicCreateOptions) error {
	c, err := o.Provider()
	if err != nil {
		return err
	}
	cred, err := c.CreateBasicWith(ctx, o.Tenant, api.BasicSpec{Username: o.username, Password: o.password, ClientID: o.clientID})
	if err != nil {
		return err
	}
	return basicKind().table.Print(o.Printer, cred, cred)
}

// certAddOptions are the flags of `kaactl credentials cert add`.
type certAddOptions struct {
	*manageOptions
	pemFile string
	pemData []byte
	issuer  string
	serial  string
}

func newCertAddCmd(m *manageOptions, runF func(context.Context, *certAddOptions) error) *cobra.Command {
	o := &certAddOptions{manageOptions: m}
	cmd := &cobra.Command{
		Use:   "add --pem FILE | --issuer DN --serial N",
		Short: "Register an X.509 client certificate, from its PEM or by issuer DN and serial",
		Example: `  kaactl credentials cert add --pem device.crt
  kaactl credentials cert add --issuer 'CN=Device CA,O=Example' --serial 4096`,
		Args: cli.ExactArgs(0),
	}
	f := cmd.Flags()
	f.StringVar(&o.pemFile, "pem", "", `PEM file of the certificate ("-": stdin)`)
	f.StringVar(&o.issuer, "issuer", "", "issuer distinguished name, e.g. 'CN=Device CA,O=Example'")
	f.StringVar(&o.serial, "serial", "", "serial number, base 10")
	return cli.Leaf(cmd, o, func([]string) error {
		byPEM, bySerial := o.pemFile != "", o.issuer != "" || o.serial != ""
		switch {
		case byPEM && bySerial:
			return cli.Usagef("--pem and --issuer/--serial are mutually exclusive")
		case byPEM:
			var err error
			if o.pemFile == "-" {
				o.pemData, err = io.ReadAll(io.LimitReader(o.IO.In, 1<<20))
			} else {
				o.pemData, err = os.ReadFile(o.pemFile)
			}
			if err != nil {
				return fmt.Errorf("--pem: %w", err)
			}
		case o.issuer == "" || o.serial == "":
			return cli.Usagef("want --pem FILE, or both --issuer and --serial")
		}
		return nil
	}, runCertAdd, runF)
}

func runCertAdd(ctx context.Context, o *certAddOptions) error {
	c, err := o.Provider()
	if err != nil {
		return err
	}
	var cred api.CertCredential
	if o.pemData != nil {
		cred, err = c.AddCert(ctx, o.Tenant, o.pemData)
	} else {
		cred, err = c.AddCertBySerial(ctx, o.Tenant, o.issuer, o.serial)
	}
	if err != nil {
		return err
	}
	return certKind().table.Print(o.Printer, cred, cred)
}

// credLsOptions are the flags of `kaactl credentials basic|cert ls`.
type credLsOptions struct{ *manageOptions }

func newCredLsCmd[C any](m *manageOptions, k credKind[C], runF func(context.Context, *credLsOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   k.lsShort,
		Example: "  kaactl credentials " + k.name + " ls\n  kaactl credentials " + k.name + " ls -o yaml",
		Args:    cli.ExactArgs(0),
	}
	return cli.Leaf(cmd, &credLsOptions{m}, nil, func(ctx context.Context, o *credLsOptions) error {
		c, err := o.Provider()
		if err != nil {
			return err
		}
		creds, err := k.list(c, ctx, o.Tenant)
		if err != nil {
			return err
		}
		return k.table.List(o.Printer, creds)
	}, runF)
}

// credRevokeOptions are the flags of `kaactl credentials basic|cert revoke`.
type credRevokeOptions struct {
	*manageOptions
	id string
}

func newCredRevokeCmd[C any](m *manageOptions, k credKind[C], runF func(context.Context, *credRevokeOptions) error) *cobra.Command {
	o := &credRevokeOptions{manageOptions: m}
	cmd := &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke " + k.name + " credentials for good",
		Example: "  kaactl credentials " + k.name + " revoke <credentialsId>",
		Args:    cli.ExactArgs(1),
	}
	return cli.Leaf(cmd, o, func(args []string) error { o.id = args[0]; return nil }, func(ctx context.Context, o *credRevokeOptions) error {
		c, err := o.Provider()
		if err == nil {
			err = k.revoke(c, ctx, o.Tenant, o.id)
		}
		if err != nil {
			return err
		}
		return o.Print(map[string]string{"credentialsId": o.id, "status": string(api.StatusRevoked)}, func() error {
			return o.Say("credentials %s revoked", o.id)
		})
	}, runF)
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
