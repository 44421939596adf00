package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/kaactl/kaactl/internal/cli"
	"github.com/kaactl/kaactl/internal/output"
	"github.com/kaactl/kaactl/internal/tables"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/kaaconfig"
)

func newTenantsCmd(ios *output.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "tenants",
		Short:   "Manage tenant configuration: the client authentication policy of each MQTT transport",
		Example: "  kaactl tenants policy set kaa --transport tcp --basic-auth required\n  kaactl tenants policy get kaa",
	}
	m := newManageGroup(ios, cmd)
	policy := &cobra.Command{Use: "policy", Short: "Which client authentication a tenant requires per MQTT transport (tcp, tls, ws)",
		Args: cli.GroupArgs, RunE: cli.GroupRunE, Example: "  kaactl tenants policy get kaa -o json"}
	policy.AddCommand(newPolicySetCmd(m, nil), newPolicyGetCmd(m, nil))
	cmd.AddCommand(policy)
	return cmd
}

// policySetOptions are the flags of `kaactl tenants policy set`.
type policySetOptions struct {
	*cli.Manage
	transport, basic, x509 string
}

func newPolicySetCmd(m *cli.Manage, runF func(context.Context, *policySetOptions) error) *cobra.Command {
	o := &policySetOptions{Manage: m}
	cmd := &cobra.Command{
		Use:   "set [TENANT] --transport tcp|tls|ws [--basic-auth required|optional] [--x509-auth required|optional]",
		Short: "Require (or not) client authentication of a tenant's sessions on a transport",
		Long: `Set what a tenant requires of its MQTT sessions on one transport (ws covers
secure WebSocket too): the provider stores it and broadcasts it (17/SCMP), and
KPC at once disconnects the tenant's sessions on that transport that did not
authenticate with a required method, and refuses their requests (401) after.
TENANT defaults to --tenant. A tenant of which the provider holds no
application or credentials gets a warning on stderr (a typo?); its policy is
stored all the same, for the applications still to come.`,
		Example: `  kaactl tenants policy set kaa --transport tcp --basic-auth required
  kaactl tenants policy set kaa --transport tls --x509-auth required --basic-auth optional`,
	}
	f := cmd.Flags()
	f.StringVar(&o.transport, "transport", "", "MQTT transport: tcp, tls or ws (required)")
	f.StringVar(&o.basic, "basic-auth", "", "basic authentication (user@tenant and password): required or optional")
	f.StringVar(&o.x509, "x509-auth", "", "X.509 client certificates (tls only): required or optional")
	check := func(args []string) error {
		if err := tenantArg(m, args); err != nil {
			return err
		}
		if err := cli.NeedFlag("transport", o.transport); err != nil {
			return err
		}
		var probe kaaconfig.TenantConfig // the flags' mistakes, before anything is dialed
		return cli.Usage(probe.SetRequirements(o.transport, o.basic, o.x509))
	}
	return cli.Leaf(cmd, o, check, cli.WithProvider(m, func(ctx context.Context, c *admin.ProviderClient, o *policySetOptions) error {
		cfg, err := c.TenantConfig(ctx, o.Tenant)
		if err == nil {
			if err = cfg.SetRequirements(o.transport, o.basic, o.x509); err == nil {
				err = c.SetTenantConfig(ctx, o.Tenant, cfg)
			}
		}
		if err != nil {
			return err
		}
		if known, err := tenantKnown(ctx, c, o.Tenant); err == nil && !known {
			_ = o.Note("warning: tenant %q has no applications or credentials in this provider (a typo?); the policy is stored and applies once it has", o.Tenant)
		}
		return tables.Policies().Print(o.Printer, cfg, cfg.Policies()...)
	}), runF)
}

// tenantKnown reports whether the provider holds any application or
// credentials of tenant: tenants exist only through them, so a policy for
// an unknown one is more likely a typo than a tenant still to come.
func tenantKnown(ctx context.Context, c *admin.ProviderClient, tenant string) (bool, error) {
	if apps, err := c.ListApps(ctx, tenant); err != nil || len(apps) > 0 {
		return err == nil, err
	}
	if basic, err := c.ListBasic(ctx, tenant); err != nil || len(basic) > 0 {
		return err == nil, err
	}
	certs, err := c.ListCerts(ctx, tenant)
	return len(certs) > 0, err
}

// policyGetOptions are the flags of `kaactl tenants policy get`.
type policyGetOptions struct{ *cli.Manage }

func newPolicyGetCmd(m *cli.Manage, runF func(context.Context, *policyGetOptions) error) *cobra.Command {
	cmd := &cobra.Command{Use: "get [TENANT]", Short: "Show what a tenant requires per transport (TENANT defaults to --tenant)",
		Example: "  kaactl tenants policy get kaa\n  kaactl tenants policy get acme -o json"}
	return cli.Leaf(cmd, &policyGetOptions{m}, func(args []string) error { return tenantArg(m, args) },
		cli.WithProvider(m, func(ctx context.Context, c *admin.ProviderClient, o *policyGetOptions) error {
			cfg, err := c.TenantConfig(ctx, o.Tenant)
			if err != nil {
				return err
			}
			return tables.Policies().Print(o.Printer, cfg, cfg.Policies()...)
		}), runF)
}

// tenantArg takes an optional TENANT argument in place of --tenant.
func tenantArg(m *cli.Manage, args []string) error {
	if len(args) > 1 {
		return cli.Usagef("want at most one TENANT, got %d arguments", len(args))
	}
	if len(args) == 1 {
		m.Tenant = args[0]
	}
	return nil
}
