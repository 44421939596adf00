//go:build !unix

package sim

import "errors"

func noFile() (soft, hard uint64, err error) { return 0, 0, errors.New("no file limit to check") }

func setNoFile(soft, hard uint64) error { return errors.ErrUnsupported }
