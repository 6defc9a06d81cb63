#!/bin/bash
# goref's reading of the committed retainprog cores, into testdata/retain/goref/:
# for each release of testdata/retain (go1.19, go1.22, go1.26), the profile
# of references goref writes (goref-1.N.pb.gz: `grf core BIN CORE -o ...`)
# and `go tool pprof -top` of it by bytes and by objects (goref-1.N.top.txt,
# goref-1.N.objects.top.txt); goref/INDEX lists the commands.
# tests/heap/goref.py sets them against `coroner heap` on the same cores.
#
# goref (github.com/cloudwego/goref, Apache-2.0, built on Delve) is used as
# built from its source at commit 3a10bfe (go.mod: delve v1.26.0), since the
# module proxy may refuse it:
#   git clone https://github.com/cloudwego/goref && cd goref &&
#   git checkout 3a10bfe && go build -o grf ./cmd/grf
# usage: GOREF=/path/to/grf testdata/gen/goref.sh   (needs go for pprof, zstd)
# Run it after retain.sh: the references belong to the committed cores.
set -euo pipefail
GEN=${REGEN_GEN:-$(cd "$(dirname "$0")" && pwd)}
TD=$(dirname "$GEN")
D=$TD/retain
export TZ=UTC LC_ALL=C
grf=${GOREF:-}
if [ -z "$grf" ] || [ ! -x "$grf" ]; then
	echo "goref.sh: set GOREF=/path/to/grf (goref not found); $D/goref left as it is" >&2
	exit 0
fi
go=$(command -v go)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$D/goref"
top=(-top -unit=B -nodefraction=0 -edgefraction=0 -nodecount=100000)
{
	printf '# output-file<TAB>command (POSIX shell quoting); run in testdata/retain with retain-1.N.gz\n'
	printf '# gunzipped to retain-1.N and core-1.N.zst unpacked to core-1.N. goref built from\n'
	printf '# github.com/cloudwego/goref 3a10bfe (delve v1.26.0) with %s; pprof: %s.\n' \
		"$("$go" version "$grf" | cut -d' ' -f2)" "$("$go" env GOVERSION)"
} >"$D/goref/INDEX"
for v in $(cd "$D" && ls retain-1.*.gz | grep -v stripped | sed 's/^retain-//; s/\.gz$//'); do
	gzip -dc "$D/retain-$v.gz" >"$W/retain-$v"
	chmod +x "$W/retain-$v"
	zstd -d -q -f "$D/core-$v.zst" -o "$W/core-$v"
	(cd "$W" && "$grf" core "retain-$v" "core-$v" -o "goref-$v.pb.gz" >/dev/null 2>&1)
	cp "$W/goref-$v.pb.gz" "$D/goref/"
	"$go" tool pprof "${top[@]}" -sample_index=inuse_space "$D/goref/goref-$v.pb.gz" >"$D/goref/goref-$v.top.txt"
	"$go" tool pprof "${top[@]}" -sample_index=inuse_objects "$D/goref/goref-$v.pb.gz" >"$D/goref/goref-$v.objects.top.txt"
	printf 'goref/goref-%s.pb.gz\tgrf core retain-%s core-%s -o goref/goref-%s.pb.gz\n' "$v" "$v" "$v" "$v" >>"$D/goref/INDEX"
	printf 'goref/goref-%s.top.txt\tgo tool pprof %s -sample_index=inuse_space goref/goref-%s.pb.gz\n' "$v" "${top[*]}" "$v" >>"$D/goref/INDEX"
	printf 'goref/goref-%s.objects.top.txt\tgo tool pprof %s -sample_index=inuse_objects goref/goref-%s.pb.gz\n' "$v" "${top[*]}" "$v" >>"$D/goref/INDEX"
	rm -f "$W/retain-$v" "$W/core-$v"
done
