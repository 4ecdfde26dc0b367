package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// printVersion prints the module version and build information.
func printVersion(w io.Writer) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(w, "invitebot (no build information)")
		return
	}
	fmt.Fprintf(w, "invitebot %s %s\n", info.Main.Version, info.GoVersion)
}
