package provider

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// RemoveStore deletes the store in dir (applications, endpoints,
// credentials), and dir if nothing else is in it. A provider running on the
// store holds its lock, and RemoveStore fails then (within a second) instead
// of pulling the store from under it. No store in dir is fine.
func RemoveStore(dir string) error {
	path := filepath.Join(dir, DBFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := openStore(dir)
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("provider store %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove provider store: %w", err)
	}
	_ = os.Remove(dir) // only if empty
	return nil
}
