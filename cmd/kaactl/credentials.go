package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/server/provider"
)

func newCredentialsCmd(streams ioStreams) *cobra.Command {
	conn := &connOptions{}
	cmd := &cobra.Command{
		Use:     "credentials",
		Aliases: []string{"creds"},
		Short:   "Manage client credentials: basic (username/password) and X.509 certificates",
		RunE:    groupRunE,
	}
	conn.bind(cmd.PersistentFlags())
	basic := &cobra.Command{Use: "basic", Short: "Username/password client credentials", RunE: groupRunE}
	basic.AddCommand(newBasicCreateCmd(streams, conn, nil), newBasicLsCmd(streams, conn, nil), newCredRevokeCmd(streams, conn, "basic", nil))
	cert := &cobra.Command{Use: "cert", Aliases: []string{"x509"}, Short: "X.509 client certificate credentials", RunE: groupRunE}
	cert.AddCommand(newCertAddCmd(streams, conn, nil), newCertLsCmd(streams, conn, nil), newCredRevokeCmd(streams, conn, "cert", nil))
	cmd.AddCommand(basic, cert)
	return cmd
}

// basicCreateOptions are the flags of `kaactl credentials basic create`.
type basicCreateOptions struct {
	conn          *connOptions
	username      string
	clientID      string
	password      string
	passwordStdin bool
}

func newBasicCreateCmd(streams ioStreams, conn *connOptions, runF func(context.Context, *basicCreateOptions) error) *cobra.Command {
	o := &basicCreateOptions{conn: conn}
	cmd := &cobra.Command{
		Use:     "create --username U --password-stdin",
		Short:   "Create basic credentials (the password is stored only as a bcrypt hash)",
		Example: `  printf '%s' "$PASSWORD" | kaactl credentials basic create --username sensor-1 --password-stdin`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needFlag("username", o.username); err != nil {
				return err
			}
			switch {
			case o.passwordStdin && o.password != "":
				return usageError{fmt.Errorf("--password and --password-stdin are mutually exclusive")}
			case o.passwordStdin:
				pw, err := readPassword(streams.in)
				if err != nil {
					return err
				}
				o.password = pw
			case o.password != "":
				fmt.Fprintln(streams.err, "warning: --password lands in your shell history; prefer --password-stdin")
			default:
				return usageError{fmt.Errorf("--password-stdin (or --password) is required")}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runBasicCreate(cmd.Context(), streams, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.username, "username", "", "username (required)")
	f.StringVar(&o.clientID, "client-id", "", "MQTT client ID bound to the credentials (default: the username)")
	f.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	f.StringVar(&o.password, "password", "", "the password (insecure: lands in shell history; prefer --password-stdin)")
	return cmd
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		r = os.Stdin
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{fmt.Errorf("--password-stdin: stdin is empty")}
	}
	return pw, nil
}

func runBasicCreate(ctx context.Context, streams ioStreams, o *basicCreateOptions) error {
	c, err := o.conn.provider()
	if err != nil {
		return err
	}
	cred, err := c.CreateBasicWith(ctx, o.conn.tenant, provider.BasicSpec{Username: o.username, Password: o.password, ClientID: o.clientID})
	if err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		return printJSON(streams.out, cred)
	}
	return basicTable(streams.out, []provider.BasicCredential{cred})
}

func basicTable(w io.Writer, creds []provider.BasicCredential) error {
	t := newTable(w, "CREDENTIALS ID", "USERNAME", "CLIENT ID", "STATUS", "CREATED")
	for _, c := range creds {
		t.row(c.ID, c.Username, c.ClientID, c.Status, ts(c.CreatedAt))
	}
	return t.flush()
}

// credLsOptions are the flags of `kaactl credentials basic|cert ls`.
type credLsOptions struct{ conn *connOptions }

func newBasicLsCmd(streams ioStreams, conn *connOptions, runF func(context.Context, *credLsOptions) error) *cobra.Command {
	return newCredLsCmd(streams, conn, runF, "List basic credentials (never their passwords)", (*provider.Client).ListBasic, basicTable)
}

// newCredLsCmd is the ls command of one kind of credentials.
func newCredLsCmd[C any](streams ioStreams, conn *connOptions, runF func(context.Context, *credLsOptions) error, short string,
	list func(*provider.Client, context.Context, string) ([]C, error), table func(io.Writer, []C) error) *cobra.Command {
	o := &credLsOptions{conn: conn}
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   short,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			c, err := o.conn.provider()
			if err != nil {
				return err
			}
			creds, err := list(c, cmd.Context(), o.conn.tenant)
			if err != nil {
				return apiError(err)
			}
			if o.conn.json() {
				if creds == nil {
					creds = []C{}
				}
				return printJSON(streams.out, creds)
			}
			return table(streams.out, creds)
		},
	}
}

// credRevokeOptions are the flags of `kaactl credentials basic|cert revoke`.
type credRevokeOptions struct {
	conn *connOptions
	kind string // "basic" or "cert"
	id   string
}

func newCredRevokeCmd(streams ioStreams, conn *connOptions, kind string, runF func(context.Context, *credRevokeOptions) error) *cobra.Command {
	o := &credRevokeOptions{conn: conn, kind: kind}
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke " + kind + " credentials for good",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.id = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			c, err := o.conn.provider()
			if err != nil {
				return err
			}
			if o.kind == "cert" {
				err = c.RevokeCert(cmd.Context(), o.conn.tenant, o.id)
			} else {
				err = c.RevokeBasic(cmd.Context(), o.conn.tenant, o.id)
			}
			if err != nil {
				return apiError(err)
			}
			if o.conn.json() {
				return printJSON(streams.out, map[string]string{"credentialsId": o.id, "status": string(provider.StatusRevoked)})
			}
			_, err = fmt.Fprintf(streams.out, "credentials %s revoked\n", o.id)
			return err
		},
	}
}

// certAddOptions are the flags of `kaactl credentials cert add`.
type certAddOptions struct {
	conn    *connOptions
	pemFile string
	pemData []byte
	issuer  string
	serial  string
}

func newCertAddCmd(streams ioStreams, conn *connOptions, runF func(context.Context, *certAddOptions) error) *cobra.Command {
	o := &certAddOptions{conn: conn}
	cmd := &cobra.Command{
		Use:   "add --pem FILE | --issuer DN --serial N",
		Short: "Register an X.509 client certificate, from its PEM or by issuer DN and serial",
		Example: `  kaactl credentials cert add --pem device.crt
  kaactl credentials cert add --issuer 'CN=Device CA,O=Example' --serial 4096`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			byPEM, bySerial := o.pemFile != "", o.issuer != "" || o.serial != ""
			switch {
			case byPEM && bySerial:
				return usageError{fmt.Errorf("--pem and --issuer/--serial are mutually exclusive")}
			case byPEM:
				var err error
				if o.pemFile == "-" {
					o.pemData, err = io.ReadAll(io.LimitReader(streams.in, 1<<20))
				} else {
					o.pemData, err = os.ReadFile(o.pemFile)
				}
				if err != nil {
					return fmt.Errorf("--pem: %w", err)
				}
			case o.issuer == "" || o.serial == "":
				return usageError{fmt.Errorf("want --pem FILE, or both --issuer and --serial")}
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runCertAdd(cmd.Context(), streams, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.pemFile, "pem", "", `PEM file of the certificate ("-": stdin)`)
	f.StringVar(&o.issuer, "issuer", "", "issuer distinguished name, e.g. 'CN=Device CA,O=Example'")
	f.StringVar(&o.serial, "serial", "", "serial number, base 10")
	return cmd
}

func runCertAdd(ctx context.Context, streams ioStreams, o *certAddOptions) error {
	c, err := o.conn.provider()
	if err != nil {
		return err
	}
	var cred provider.CertCredential
	if o.pemData != nil {
		cred, err = c.AddCert(ctx, o.conn.tenant, o.pemData)
	} else {
		cred, err = c.AddCertBySerial(ctx, o.conn.tenant, o.issuer, o.serial)
	}
	if err != nil {
		return apiError(err)
	}
	if o.conn.json() {
		return printJSON(streams.out, cred)
	}
	return certTable(streams.out, []provider.CertCredential{cred})
}

func certTable(w io.Writer, creds []provider.CertCredential) error {
	t := newTable(w, "CREDENTIALS ID", "ISSUER", "SERIAL", "SUBJECT", "NOT AFTER", "STATUS")
	for _, c := range creds {
		notAfter := "-"
		if c.NotAfter != nil {
			notAfter = ts(*c.NotAfter)
		}
		t.row(c.ID, c.Issuer, c.Serial, orDash(c.Subject), notAfter, c.Status)
	}
	return t.flush()
}

func newCertLsCmd(streams ioStreams, conn *connOptions, runF func(context.Context, *credLsOptions) error) *cobra.Command {
	return newCredLsCmd(streams, conn, runF, "List X.509 credentials", (*provider.Client).ListCerts, certTable)
}
