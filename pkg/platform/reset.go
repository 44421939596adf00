package platform

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kaactl/kaactl/pkg/server/provider"
)

// ResetWhat says what Reset deletes, for a confirmation prompt.
const ResetWhat = "every application, endpoint and credential, and the blobs stored on disk"

// Reset deletes the state a data dir holds, so that the next start is a
// first start again (the demo application is created anew): the provider's
// store and the blobs on disk. The admin token, the TLS certificate devices
// trust and the BCX token key stay, so scripts and devices keep working.
// Blobs in S3 are not touched. It fails while a kaactl up runs on dir.
func Reset(dir string) error {
	if err := provider.RemoveStore(filepath.Join(dir, providerDir)); err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	if err := os.RemoveAll(filepath.Join(dir, blobsDir)); err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	return nil
}
