package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/pkg/admin"
)

// certFetchOptions are the flags of `kaactl cert fetch`.
type certFetchOptions struct {
	IO      *output.IOStreams
	kpcURL  string
	outFile string
	verify  string
}

func newCertCmd(ios *output.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "The TLS certificate KPC presents on MQTT/TLS",
		Example: `  kaactl cert fetch -o kpc.crt
  kaactl cert fetch --verify localhost:8883`,
		Args: cli.GroupArgs,
		RunE: cli.GroupRunE,
	}
	cmd.AddCommand(newCertFetchCmd(ios, nil))
	return cmd
}

func newCertFetchCmd(ios *output.IOStreams, runF func(context.Context, *certFetchOptions) error) *cobra.Command {
	o := &certFetchOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "fetch",
		Short: "Download KPC's certificate (/api/v1/cert), show it, and check that MQTT/TLS presents it",
		Long: `Download the PEM certificate KPC serves at /api/v1/cert (the one devices
must trust) and print its subject, SANs, issuer, expiry and SHA-256
fingerprint. -o FILE saves the PEM ("-": stdout, the details then go to
stderr). --verify HOST:PORT completes a TLS handshake with that MQTT/TLS
listener trusting only the fetched certificate, and fails unless it verifies
for HOST.`,
		Example: `  kaactl cert fetch
  kaactl cert fetch -o kpc.crt --verify localhost:8883
  kaactl cert fetch --kpc http://kpc.example:8008 -o - | openssl x509 -noout -text`,
		Args: cli.ExactArgs(0),
	}
	cmd.Flags().StringVar(&o.kpcURL, "kpc", "http://127.0.0.1:8008", "KPC management base URL")
	cmd.Flags().StringVarP(&o.outFile, "output-file", "o", "", `save the PEM to this file ("-": stdout)`)
	cmd.Flags().StringVar(&o.verify, "verify", "", "HOST:PORT of an MQTT/TLS listener that must present the certificate")
	return cli.Leaf(cmd, o, nil, runCertFetch, runF)
}

func runCertFetch(ctx context.Context, o *certFetchOptions) error {
	data, cert, err := admin.FetchParsedCert(ctx, o.kpcURL)
	if err != nil {
		return err
	}
	info := o.IO.Out
	switch o.outFile {
	case "":
	case "-":
		if _, err := o.IO.Out.Write(data); err != nil {
			return err
		}
		info = o.IO.ErrOut
	default:
		if err := os.WriteFile(o.outFile, data, 0o644); err != nil {
			return err
		}
	}
	if err := printCertInfo(info, admin.DescribeCert(cert)); err != nil {
		return err
	}
	if o.outFile != "" && o.outFile != "-" {
		fmt.Fprintf(info, "%-10s %s\n", "saved", o.outFile)
	}
	if o.verify == "" {
		return nil
	}
	if err := admin.VerifyTLS(ctx, o.verify, cert); err != nil {
		return err
	}
	_, err = fmt.Fprintf(info, "%-10s %s presents this certificate\n", "verified", o.verify)
	return err
}

func printCertInfo(w io.Writer, ci admin.CertInfo) error {
	_, err := fmt.Fprintf(w, "%-10s %s\n%-10s %s\n%-10s %s\n%-10s %s\n%-10s %s\n",
		"subject", ci.Subject, "sans", output.OrDash(strings.Join(ci.SANs, ", ")), "issuer", ci.Issuer,
		"not after", output.Time(ci.NotAfter), "sha256", ci.SHA256)
	return err
}
