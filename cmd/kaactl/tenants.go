package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

func newTenantsCmd(streams ioStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tenants",
		Short:   "Manage tenant configuration: the client authentication policy of each MQTT transport",
		Example: "  kaactl tenants policy set kaa --transport tcp --basic-auth required\n  kaactl tenants policy get kaa",
	}
	m := newManageGroup(streams, cmd)
	policy := &cobra.Command{Use: "policy", Short: "Which client authentication a tenant requires per MQTT transport (tcp, tls, ws)",
		RunE: groupRunE, Example: "  kaactl tenants policy get kaa -o json"}
	policy.AddCommand(newPolicySetCmd(m, nil), newPolicyGetCmd(m, nil))
	cmd.AddCommand(policy)
	return cmd
}

// policySetOptions are the flags of `kaactl tenants policy set`.
type policySetOptions struct {
	*manageOptions
	transport, basic, x509 string
}

func newPolicySetCmd(m *manageOptions, runF func(context.Context, *policySetOptions) error) *cobra.Command {
	o := &policySetOptions{manageOptions: m}
	cmd := &cobra.Command{
		Use:   "set [TENANT] --transport tcp|tls|ws [--basic-auth required|optional] [--x509-auth required|optional]",
		Short: "Require (or not) client authentication of a tenant's sessions on a transport",
		Long: `Set what a tenant requires of its MQTT sessions on one transport (ws covers
secure WebSocket too): the provider stores it and broadcasts it (17/SCMP), and
KPC at once disconnects the tenant's sessions on that transport that did not
authenticate with a required method, and refuses their requests (401) after.
TENANT defaults to --tenant.`,
		Example: `  kaactl tenants policy set kaa --transport tcp --basic-auth required
  kaactl tenants policy set kaa --transport tls --x509-auth required --basic-auth optional`,
	}
	f := cmd.Flags()
	f.StringVar(&o.transport, "transport", "", "MQTT transport: tcp, tls or ws (required)")
	f.StringVar(&o.basic, "basic-auth", "", "basic authentication (user@tenant and password): required or optional")
	f.StringVar(&o.x509, "x509-auth", "", "X.509 client certificates (tls only): required or optional")
	check := func(args []string) error {
		if err := o.tenantArg(args); err != nil {
			return err
		}
		if err := needFlag("transport", o.transport); err != nil {
			return err
		}
		var probe kaaconfig.TenantConfig // the flags' mistakes, before anything is dialed
		if err := probe.SetRequirements(o.transport, o.basic, o.x509); err != nil {
			return usageError{err}
		}
		return nil
	}
	return leaf(cmd, o, check, func(ctx context.Context, o *policySetOptions) error {
		c, err := o.provider()
		if err != nil {
			return err
		}
		cfg, err := c.TenantConfig(ctx, o.tenant)
		if err == nil {
			if err = cfg.SetRequirements(o.transport, o.basic, o.x509); err == nil {
				err = c.SetTenantConfig(ctx, o.tenant, cfg)
			}
		}
		if err != nil {
			return err
		}
		return printPolicy(o.manageOptions, cfg)
	}, runF)
}

// policyGetOptions are the flags of `kaactl tenants policy get`.
type policyGetOptions struct{ *manageOptions }

func newPolicyGetCmd(m *manageOptions, runF func(context.Context, *policyGetOptions) error) *cobra.Command {
	o := &policyGetOptions{m}
	cmd := &cobra.Command{Use: "get [TENANT]", Short: "Show what a tenant requires per transport (TENANT defaults to --tenant)",
		Example: "  kaactl tenants policy get kaa\n  kaactl tenants policy get acme -o json"}
	return leaf(cmd, o, o.tenantArg, func(ctx context.Context, o *policyGetOptions) error {
		c, err := o.provider()
		if err != nil {
			return err
		}
		cfg, err := c.TenantConfig(ctx, o.tenant)
		if err != nil {
			return err
		}
		return printPolicy(o.manageOptions, cfg)
	}, runF)
}

// tenantArg takes an optional TENANT argument in place of --tenant.
func (m *manageOptions) tenantArg(args []string) error {
	switch len(args) {
	case 0:
	case 1:
		m.tenant = args[0]
	default:
		return usageError{fmt.Errorf("want at most one TENANT, got %d arguments", len(args))}
	}
	return nil
}

func printPolicy(m *manageOptions, cfg kaaconfig.TenantConfig) error {
	return table[kaaconfig.TransportPolicy]{
		header: []string{"TRANSPORT", "BASIC-AUTH", "X509-AUTH"},
		row:    func(p kaaconfig.TransportPolicy) []any { return []any{p.Transport, p.BasicAuth, p.X509Auth} },
	}.print(m, cfg, cfg.Policies()...)
}
