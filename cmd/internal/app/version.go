package app

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/invitebot/invitebot/cmd/internal/ops"
)

// version, when set at link time (-ldflags "-X github.com/invitebot/invitebot/cmd/internal/app.version=v1.2.3"),
// replaces the module version that Go records.
var version string

// buildDetails is what the binary knows about how it was built.
type buildDetails struct {
	Version  string // the module version: a tag, a pseudo-version, or "(devel)"
	Revision string // the VCS revision, "" if not recorded
	Time     string // the revision's commit time, RFC 3339
	Modified bool   // the work tree had uncommitted changes
	Go       string // the Go version
	Platform string // GOOS/GOARCH
	Path     string // the main package's import path
}

// buildInfo reads the build information that the Go toolchain embeds:
// go build in a git checkout records the revision, its time and whether
// the tree was modified (unless -buildvcs=false).
func buildInfo() buildDetails {
	b := buildDetails{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.Path = info.Path
		if v := info.Main.Version; v != "" {
			b.Version = v
		}
		if info.GoVersion != "" {
			b.Go = info.GoVersion
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.Version = version
	}
	return b
}

// metrics is the build as invitebot_build_info labels it.
func (b buildDetails) metrics() ops.Build {
	rev := b.Revision
	if rev != "" && b.Modified {
		rev += "-modified"
	}
	return ops.Build{Version: b.Version, Revision: rev, Go: b.Go}
}

// printVersion prints the version on the first line, then the build
// information.
func printVersion(w io.Writer) {
	b := buildInfo()
	fmt.Fprintf(w, "invitebot %s\n", b.Version)
	if b.Revision != "" {
		modified := ""
		if b.Modified {
			modified = " (modified)"
		}
		fmt.Fprintf(w, "  revision  %s%s\n", b.Revision, modified)
	} else {
		fmt.Fprintf(w, "  revision  unknown (built without VCS information)\n")
	}
	if b.Time != "" {
		fmt.Fprintf(w, "  committed %s\n", b.Time)
	}
	fmt.Fprintf(w, "  go        %s %s\n", b.Go, b.Platform)
	if b.Path != "" {
		fmt.Fprintf(w, "  package   %s\n", b.Path)
	}
}
