// Package admin will hold API clients for the management commands.
package admin
