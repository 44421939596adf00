//go:build unix

package sim

import "syscall"

// noFile returns the soft and hard RLIMIT_NOFILE. Go raises the soft limit
// to the hard one when a program starts (since Go 1.19), so they are
// usually equal.
func noFile() (soft, hard uint64, err error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, 0, err
	}
	return uint64(l.Cur), uint64(l.Max), nil
}

func setNoFile(soft, hard uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: soft, Max: hard})
}
