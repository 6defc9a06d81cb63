#!/bin/bash
# Cores of gen/retainprog for coroner heap, into testdata/retain/: for each
# Go release below, the binary (retain-1.N.gz, gzip -9 -n of the -trimpath
# build, with DWARF), its GOTRACEBACK=crash core (core-1.N.zst) and the
# program's own measurements (expected/retain-1.N.stdout: per root the
# HeapAlloc delta across building it, exact object counts per type,
# HeapAlloc after the last runtime.GC(), the garbage left unswept), and the
# profiles of that run for coroner report's joins (profiles-1.N/early:
# heap profile and goroutine dump before the roots are built; profiles-1.N/late:
# the heap profile before the crash). The same for the stripped build
# (-ldflags='-s -w': retain-1.N-stripped.gz, core-1.N-stripped.zst,
# expected/retain-1.N-stripped.stdout; no profiles). For the releases in
# ARM64 (default: 1.19 1.26) also the linux/arm64 build, run under
# qemu-aarch64 (qemu-user writes the guest's core): retain-1.N-arm64.gz,
# core-1.N-arm64.zst, expected/retain-1.N-arm64.stdout.
# usage: testdata/gen/retain.sh [1.N ...]   (default: 1.19 1.22 1.26; needs
# /usr/lib/go-1.N or /usr/local/go for 1.26, zstd, gzip, qemu-aarch64)
#        RETAIN_ONLY=arm64 testdata/gen/retain.sh 1.N ...   only the arm64
#        builds, the other files of those releases left as they are
set -euo pipefail
GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
D=$TD/retain
export TZ=UTC LC_ALL=C GO111MODULE=on GOPROXY=off GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
unset GODEBUG GOTRACEBACK GOMAXPROCS GOGC || true
vers=("$@"); [ ${#vers[@]} -eq 0 ] && vers=(1.19 1.22 1.26)
mkdir -p "$D/expected"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
only=${RETAIN_ONLY:-}
arm64_vers=" ${ARM64:-1.19 1.26} "
[ -n "$only" ] || printf '# output-file<TAB>command (POSIX shell quoting); run in testdata/retain with retain-1.N.gz\n# gunzipped to retain-1.N; each run writes a new core (the committed one is from the recorded run).\n' >"$D/expected/INDEX"
run() { # VERSION SUFFIX LDFLAGS PROFILES
	local v=$1 sfx=$2 ld=$3 prof=$4
	(cd "$GEN/retainprog" && "$G" build -trimpath -ldflags="$ld" -o "$W/retain-$v$sfx" .)
	rm -rf "$W/run"; mkdir "$W/run"
	if [ -n "$prof" ]; then rm -rf "$D/profiles-$v"; fi
	(cd "$W/run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 RETAIN_PROFILES=$prof "$W/retain-$v$sfx" \
		>"$D/expected/retain-$v$sfx.stdout" 2>"$W/run/stderr") && { echo "no crash?" >&2; exit 1; } || true
	core=$(ls "$W"/run/core* | head -1)
	zstd -19 -q -f "$core" -o "$D/core-$v$sfx.zst"
	gzip -9 -n -c "$W/retain-$v$sfx" >"$D/retain-$v$sfx.gz"
	if [ -n "$prof" ]; then
		printf 'retain-%s.stdout\tsh -c '\''ulimit -c unlimited; GOTRACEBACK=crash GOMAXPROCS=2 RETAIN_PROFILES=profiles-%s ./retain-%s'\''\n' "$v" "$v" "$v" >>"$D/expected/INDEX"
	else
		printf 'retain-%s%s.stdout\tsh -c '\''ulimit -c unlimited; GOTRACEBACK=crash GOMAXPROCS=2 ./retain-%s%s'\''\n' "$v" "$sfx" "$v" "$sfx" >>"$D/expected/INDEX"
	fi
}
run_arm64() { # VERSION
	local v=$1 c
	(cd "$GEN/retainprog" && GOARCH=arm64 "$G" build -trimpath -o "$W/retain-$v-arm64" .)
	rm -rf "$W/run"; mkdir "$W/run"
	(cd "$W/run" && ulimit -c unlimited && GOTRACEBACK=crash GOMAXPROCS=2 qemu-aarch64 "$W/retain-$v-arm64" \
		>"$D/expected/retain-$v-arm64.stdout" 2>"$W/run/stderr") && { echo "no crash?" >&2; exit 1; } || true
	# the kernel may dump qemu itself as well (an amd64 core): only the guest's
	c=$(ls "$W"/run/qemu_*.core | head -1)
	zstd -19 -q -f "$c" -o "$D/core-$v-arm64.zst"
	gzip -9 -n -c "$W/retain-$v-arm64" >"$D/retain-$v-arm64.gz"
	sed -i "/^retain-$v-arm64\.stdout\t/d" "$D/expected/INDEX"
	printf 'retain-%s-arm64.stdout\tsh -c '\''ulimit -c unlimited; GOTRACEBACK=crash GOMAXPROCS=2 qemu-aarch64 ./retain-%s-arm64'\''\n' "$v" "$v" >>"$D/expected/INDEX"
}
for v in "${vers[@]}"; do
	G=/usr/lib/go-$v/bin/go
	[ -x "$G" ] || G=$(command -v go)
	case $("$G" env GOVERSION) in "go$v"|"go$v."*) ;; *) echo "no Go $v" >&2; exit 1 ;; esac
	if [ -z "$only" ]; then
		run "$v" "" "" "$D/profiles-$v"
		run "$v" -stripped "-s -w" ""
	fi
	case $arm64_vers in *" $v "*) run_arm64 "$v" ;; esac
done
