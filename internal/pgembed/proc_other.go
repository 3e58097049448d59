//go:build !linux

package pgembed

import "syscall"

// childAttr starts the child in its own process group (see proc_linux.go);
// other systems have no parent-death signal, so a killed parent leaves the
// server running until it is stopped by hand.
func childAttr(cred *syscall.Credential, _ syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}
