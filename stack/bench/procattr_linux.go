package main

import "syscall"

// childAttr makes a child die with the bench (SIGKILL when its parent
// goes), so an interrupted bench leaves no subgraph or gateway behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
