package pgembed

import "syscall"

// childAttr starts initdb or postgres in its own process group, so that a
// Ctrl-C in the terminal reaches only us and we shut the server down in
// order, and with a parent-death signal, so that the server does not outlive
// us if we are killed. The signal asks for a clean shutdown: postgres then
// disconnects its clients and checkpoints by itself.
func childAttr(cred *syscall.Credential, deathSignal syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: deathSignal, Credential: cred}
}
