# Sourced by tests that run a Go toolchain live. The references of a capture
# are those of the Go release that wrote it, so a test asks for a release by
# number instead of taking whatever `go` is first on PATH.
#
# go_release 1.19   prints the go command of that release, or nothing:
#                   Debian's /usr/lib/go-1.N (golang-1.N packages), else a
#                   toolchain of that release the go command's toolchain
#                   switch left in the module cache (GOTOOLCHAIN=go1.N.P:
#                   scripts/deps-gorel fetches go1.27 so), else a `go` on
#                   PATH that reports that release.
go_release() {
	if [ -x "/usr/lib/go-$1/bin/go" ]; then
		echo "/usr/lib/go-$1/bin/go"
		return 0
	fi
	# golang.org/toolchain@v0.0.1-go1.N.P.linux-ARCH/bin/go: a complete
	# toolchain; the newest patch release of the module cache wins
	_m=${GOMODCACHE:-${GOPATH:-$HOME/go}/pkg/mod}
	_t=$(ls -d "$_m"/golang.org/toolchain@v0.0.1-go"$1".*.linux-*/bin/go "$_m"/golang.org/toolchain@v0.0.1-go"$1".linux-*/bin/go 2>/dev/null |
		sort -V | tail -1)
	if [ -n "$_t" ] && [ -x "$_t" ]; then
		echo "$_t"
		return 0
	fi
	_g=$(command -v go 2>/dev/null) || return 1
	case $(GOTOOLCHAIN=local "$_g" env GOVERSION 2>/dev/null) in
	"go$1" | "go$1."*) echo "$_g" ;;
	*) return 1 ;;
	esac
}
