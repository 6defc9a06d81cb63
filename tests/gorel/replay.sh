#!/bin/sh
# The per-release fixtures (testdata/gorel/go1.N, testdata/gen/gorel.sh):
# coroner over the data of every Go release against that release's own
# references (its go tool pprof, its runtime's traceback, the dump itself).
# Each check prints "ok", "FAIL" or, for a known failure listed in TODO
# below, "TODO" (printed, not failed; a TODO that passes prints "FIXED",
# so the line can be turned into an assertion).
#   GOREL_ONLY=1.26  replays one release;  GOREL_VERBOSE=1 prints details.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
command -v jq >/dev/null && command -v zstd >/dev/null || { echo "SKIP: needs jq and zstd"; exit 77; }
norm="$TESTS/core/traceback-norm.awk"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0 todo=0 fixed=0

# Known failures: "release check" (release * = every release). The second
# round turns each into an assertion by deleting its line.
TODO="
$(cat "$TESTS/gorel/TODO" 2>/dev/null)
"
known() { printf '%s\n' "$TODO" | grep -qx "$1 $2" || printf '%s\n' "$TODO" | grep -qx "\\* $2"; }

# result RELEASE CHECK OK(0/1) DETAIL
result() {
	if [ "$3" = 0 ]; then
		if known "$1" "$2"; then echo "FIXED go$1 $2: $4 (delete its TODO line)"; fixed=$((fixed + 1)); else pass=$((pass + 1)); fi
		[ -n "${GOREL_VERBOSE:-}" ] && echo "ok   go$1 $2: $4"
	elif known "$1" "$2"; then
		echo "TODO go$1 $2: $4"; todo=$((todo + 1))
	else
		echo "FAIL go$1 $2: $4"; fail=$((fail + 1))
	fi
	return 0
}
eq() { [ "$1" = "$2" ] && [ -n "$1" ]; }

# "of N total" of a go tool pprof -top output, in the unit printed (B or count)
pprof_total() { sed -n 's/.* of \([0-9.]*\)B\{0,1\} total$/\1/p' "$1" | head -1; }
# flat of FUNC in a go tool pprof -top output
pprof_flat() { awk -v f="$2" '$6 == f { v = $1; sub(/B$/, "", v); print v; exit }' "$1"; }
# count of the go tool pprof -traces samples whose stack contains FUNC
traces_count() {
	awk -v f="$2" '/^-----/ { if (has) n += c; c = 0; has = 0; next }
		/^ +[0-9]+ +[^ ]/ && c == 0 { c = $1; if ($2 == f) has = 1; next }
		{ for (i = 1; i <= NF; i++) if ($i == f) has = 1 }
		END { if (has) n += c; print n + 0 }' "$1"
}

rels=""
for d in "$TESTDATA"/gorel/go1.*; do [ -d "$d/expected" ] && rels="$rels ${d##*/go}"; done
[ -n "${GOREL_ONLY:-}" ] && rels=$GOREL_ONLY
[ -n "$rels" ] || { echo "SKIP: no testdata/gorel"; exit 77; }

for v in $rels; do
	D=$TESTDATA/gorel/go$v E=$D/expected
	rm -rf "$tmp/w"; mkdir "$tmp/w"
	# ---- goroutine dumps and profiles
	for s in before after; do
		"$CORONER" goroutines --format=json "$D/$s/goroutine2.txt.gz" >"$tmp/w/g.json" 2>"$tmp/w/err" || true
		got=$(jq -r '.total // empty' "$tmp/w/g.json" 2>/dev/null)
		want=$(cat "$E/$s.goroutine2.headers.count")
		eq "$got" "$want"; result "$v" "goroutines-$s-total" $? "debug=2 headers $want, coroner $got"
		# states: the dump's own headers
		zcat "$D/$s/goroutine2.txt.gz" | sed -n 's/^goroutine [0-9]* \[\([^],]*\).*/\1/p' | sort | uniq -c |
			awk '{ n = $1; $1 = ""; sub(/^ /, ""); print $0 "\t" n }' | sort >"$tmp/w/st.want"
		jq -r '[.groups[] | {s: .state, c: .count}] | group_by(.s) | .[] | "\(.[0].s)\t\(map(.c) | add)"' \
			"$tmp/w/g.json" 2>/dev/null | sort >"$tmp/w/st.got"
		cmp -s "$tmp/w/st.want" "$tmp/w/st.got"; result "$v" "goroutines-$s-states" $? \
			"dump $(tr '\t\n' '=,' <"$tmp/w/st.want") coroner $(tr '\t\n' '=,' <"$tmp/w/st.got")"
		# the debug=0 profile: pprof's total
		"$CORONER" goroutines --format=json "$D/$s/goroutine.pb.gz" >"$tmp/w/gp.json" 2>/dev/null || true
		got=$(jq -r '.total // empty' "$tmp/w/gp.json" 2>/dev/null)
		want=$(pprof_total "$E/$s.goroutine.top.txt")
		eq "$got" "$want"; result "$v" "goroutine-pb-$s-total" $? "pprof $want, coroner $got"
		# the debug=1 text profile: its header
		"$CORONER" goroutines --format=json "$D/$s/goroutine.txt" >"$tmp/w/g1.json" 2>/dev/null || true
		got=$(jq -r '.total // empty' "$tmp/w/g1.json" 2>/dev/null)
		want=$(cat "$E/$s.goroutine.txt.total")
		eq "$got" "$want"; result "$v" "goroutine-debug1-$s-total" $? "header $want, coroner $got"
		# goroutineleak (1.26 experiment, 1.27)
		if [ -f "$D/$s/goroutineleak.pb.gz" ]; then
			"$CORONER" goroutines --format=json "$D/$s/goroutineleak.pb.gz" >"$tmp/w/gl.json" 2>"$tmp/w/err" || true
			got=$(jq -r '.total // empty' "$tmp/w/gl.json" 2>/dev/null)
			want=$(pprof_total "$E/$s.goroutineleak.top.txt")
			[ -n "$want" ] || want=0
			[ "$got" = "$want" ]; result "$v" "goroutineleak-pb-$s-total" $? "pprof $want, coroner ${got:-error: $(head -c 150 "$tmp/w/err")}"
			"$CORONER" goroutines --format=json "$D/$s/goroutineleak.txt" >"$tmp/w/gl1.json" 2>"$tmp/w/err" || true
			got=$(jq -r '.total // empty' "$tmp/w/gl1.json" 2>/dev/null)
			want=$(sed -n '1s/^goroutineleak profile: total //p' "$D/$s/goroutineleak.txt")
			[ "$got" = "$want" ]; result "$v" "goroutineleak-debug1-$s-total" $? "header $want, coroner ${got:-error: $(head -c 150 "$tmp/w/err")}"
			jq -e '.leak_profile == true' "$tmp/w/gl.json" >/dev/null 2>&1; result "$v" "goroutineleak-pb-$s-kind" $? "named the leak profile"
			"$CORONER" top --format=json "$D/$s/goroutineleak.pb.gz" >"$tmp/w/tl.json" 2>/dev/null || true
			got=$(jq -r '.total // empty' "$tmp/w/tl.json" 2>/dev/null)
			want=$(pprof_total "$E/$s.goroutineleak.top.txt")
			eq "$got" "$want"; result "$v" "goroutineleak-top-$s-total" $? "pprof $want, coroner $got"
		fi
		# its debug=2 form: a dump whose leaked goroutines say "(leaked)"
		if [ -f "$D/$s/goroutineleak2.txt.gz" ]; then
			"$CORONER" goroutines --format=json "$D/$s/goroutineleak2.txt.gz" >"$tmp/w/gl2.json" 2>/dev/null || true
			got=$(jq -r '[.groups[] | select(.state | test("[(]leaked[)]$")) | .count] | add // empty' "$tmp/w/gl2.json" 2>/dev/null)
			want=$(cat "$E/$s.goroutineleak2.leaked.count")
			eq "$got" "$want"; result "$v" "goroutineleak-debug2-$s-leaked" $? "dump's (leaked) headers $want, coroner $got"
		fi
	done
	# ---- leaks: growth per leaking function = pprof -traces counts after - before
	"$CORONER" leaks --format=json "$D/before/goroutine2.txt.gz" "$D/after/goroutine2.txt.gz" >"$tmp/w/l.json" 2>/dev/null || true
	for f in 'main.(*session).awaitReply' main.pollBoth main.lockShared main.readPipe; do
		b=$(traces_count "$E/before.goroutine.traces.txt" "$f") a=$(traces_count "$E/after.goroutine.traces.txt" "$f")
		got=$(jq -r --arg f "$f" '[.candidates[] | select(.function == $f) | .delta] | add // empty' "$tmp/w/l.json" 2>/dev/null)
		eq "$got" "$((a - b))"; result "$v" "leaks-$f" $? "pprof $b -> $a (+$((a - b))), coroner +$got"
	done
	# ---- top: pprof's totals and flat of the map filler
	for p in "before heap.pb.gz inuse_space heap.top.inuse_space" "after heap.pb.gz inuse_space heap.top.inuse_space" \
		"after heap.pb.gz alloc_space heap.top.alloc_space" "after allocs.pb.gz alloc_space allocs.top"; do
		set -- $p
		"$CORONER" top --format=json -i "$3" "$D/$1/$2" >"$tmp/w/t.json" 2>/dev/null || true
		want=$(pprof_total "$E/$1.$4.txt")
		got=$(jq -r '.total // empty' "$tmp/w/t.json" 2>/dev/null)
		eq "$got" "$want"; result "$v" "top-$1-$2-$3-total" $? "pprof $want, coroner $got"
		want=$(pprof_flat "$E/$1.$4.txt" 'main.(*cache).fill')
		got=$(jq -r '[.rows[] | select(.name == "main.(*cache).fill") | .flat][0] // empty' "$tmp/w/t.json" 2>/dev/null)
		eq "$got" "$want"; result "$v" "top-$1-$2-$3-fill-flat" $? "pprof $want, coroner $got"
	done
	# ---- report: the leak and the map growth of the two captures
	# (with the binary: it names the map frames runtime/pprof hides)
	zstd -dqf "$D/relprog.zst" -o "$tmp/w/relprog"
	"$CORONER" report --format=json "$D/before" "$D/after" "$tmp/w/relprog" >"$tmp/w/r.json" 2>/dev/null || true
	f='main.(*session).awaitReply'
	d=$(( $(traces_count "$E/after.goroutine.traces.txt" "$f") - $(traces_count "$E/before.goroutine.traces.txt" "$f") ))
	jq -e --arg t "+$d goroutines in $f " '[.findings[] | select(.kind == "goroutine_leak" and (.summary | startswith($t)))] | length == 1' \
		"$tmp/w/r.json" >/dev/null 2>&1
	result "$v" report-leak $? "pprof +$d in $f; coroner: $(jq -r '[.findings[] | select(.kind == "goroutine_leak") | .summary][0] // "none"' "$tmp/w/r.json" 2>/dev/null)"
	want=$(pprof_flat "$E/after.heap.top.inuse_space.txt" 'main.(*cache).put')
	jq -e '[.findings[] | select(.kind == "map_growth")] | length > 0' "$tmp/w/r.json" >/dev/null 2>&1
	result "$v" report-map_growth $? "pprof: ${want}B in use under main.(*cache).put (map storage); coroner: $(jq -r '[.findings[] | select(.kind == "map_growth") | .summary][0] // "no map_growth finding"' "$tmp/w/r.json" 2>/dev/null)"
	# its bytes: what pprof puts flat in main.(*cache).put (the map code's
	# allocations, whose runtime frames runtime/pprof leaves unnamed)
	want=$(pprof_flat "$E/after.heap.top.alloc_space.txt" 'main.(*cache).put')
	got=$(jq -r '[.findings[] | select(.kind == "map_growth") | .evidence.callers[]? | select(.function == "main.(*cache).put") | .bytes][0] // empty' "$tmp/w/r.json" 2>/dev/null)
	eq "$got" "$want"; result "$v" report-map_growth-bytes $? "pprof alloc_space flat of main.(*cache).put ${want}B, coroner map_growth ${got:-none}B"
	# without the binary: pprof's own listing of the heap names no runtime
	# map function (runtime/pprof leaves them out), so report says in one
	# line that map_growth needs the binary instead of finding nothing
	if ! grep -Eq 'runtime\.(mapassign|hashGrow|makeBucketArray|growWork)|internal/runtime/maps\.' "$E/after.heap.top.alloc_space.txt"; then
		"$CORONER" report "$D/before" "$D/after" >"$tmp/w/rt.txt" 2>&1 || true
		n=$(tr '\n' ' ' <"$tmp/w/rt.txt" | tr -s ' ' | grep -o 'map_growth: not checked without the binary' | wc -l)
		[ "$n" = 1 ]; result "$v" report-map_growth-nobinary $? "pprof -top shows no runtime map frame; coroner without the binary: $(grep -A1 'map_growth' "$tmp/w/rt.txt" | tr -s ' \n' ' ' | head -c 120)"
	fi
	if [ -f "$E/after.goroutineleak.top.txt" ]; then
		jq -e '[.findings[] | select(.kind | test("leak"))] | map(.summary) | join(" ") | test("leak profile|goroutineleak")' "$tmp/w/r.json" >/dev/null 2>&1
		result "$v" report-goroutineleak $? "the runtime's goroutineleak profile ($(pprof_total "$E/after.goroutineleak.top.txt") goroutines) named in report's findings"
		# growing and in the leak profile: certain, with pprof's count of
		# it there; growing and absent: suspect
		for f in 'main.(*session).awaitReply' main.pollBoth main.lockShared main.readPipe; do
			n=$(traces_count "$E/after.goroutineleak.traces.txt" "$f")
			if [ "$n" -gt 0 ]; then want="certain $n"; else want="suspect 0"; fi
			got=$(jq -r --arg f "$f" '[.findings[] | select(.kind == "goroutine_leak" and .subject == $f)][0] |
				"\(.evidence.leak_profile) \(.evidence.leak_profile_count)"' "$tmp/w/r.json" 2>/dev/null)
			eq "$got" "$want"; result "$v" "report-goroutineleak-$f" $? "pprof -traces of the leak profile: $n in $f (want $want), coroner $got"
		done
		# leaks over the two leak profiles: pprof -traces after - before
		"$CORONER" leaks --format=json "$D/before/goroutineleak.pb.gz" "$D/after/goroutineleak.pb.gz" >"$tmp/w/ll.json" 2>/dev/null || true
		f='main.(*session).awaitReply'
		b=$(traces_count "$E/before.goroutineleak.traces.txt" "$f") a=$(traces_count "$E/after.goroutineleak.traces.txt" "$f")
		got=$(jq -r --arg f "$f" '[.candidates[] | select(.function == $f) | .delta] | add // empty' "$tmp/w/ll.json" 2>/dev/null)
		eq "$got" "$((a - b))"; result "$v" "leaks-goroutineleak" $? "pprof $b -> $a (+$((a - b))) in $f, coroner +$got"
	fi
	# ---- mem: the C memory (the program's own count) is non-Go anonymous memory
	if [ -f "$D/after/smaps" ]; then
		want=$(sed -n 's/.*snapshot=after .*cmalloc_bytes=\([0-9]*\).*/\1/p' "$E/capture.stdout")
		"$CORONER" mem --format=json "$D/after" >"$tmp/w/m.json" 2>"$tmp/w/err" || true
		got=$(jq -r '[.. | objects | .non_go_anon? | numbers][0] // [.. | objects | select(.name? == "non_go_anon") | .bytes][0] // empty' "$tmp/w/m.json" 2>/dev/null)
		[ -n "$got" ] && [ "$got" -ge "$want" ]; result "$v" mem-non_go_anon $? "C malloc held $want B (program's count), coroner non_go_anon ${got:-none}"
	fi
	# ---- cores: every variant against its own traceback
	for t in static pie stripped arm64; do
		[ -f "$D/core-$t.zst" ] || continue
		b=relprog; [ $t = static ] || b=relprog-$t
		zstd -dqf "$D/$b.zst" -o "$tmp/w/$b"
		zstd -dqf "$D/core-$t.zst" -o "$tmp/w/core"
		"$CORONER" core --all --format=json "$tmp/w/$b" "$tmp/w/core" >"$tmp/w/c.json" 2>"$tmp/w/cerr" || true
		"$CORONER" core --all "$tmp/w/$b" "$tmp/w/core" >"$tmp/w/c.txt" 2>/dev/null || true
		want=$(cat "$E/crash-$t.txt.headers.count")
		got=$(jq -r '.goroutines | length' "$tmp/w/c.json" 2>/dev/null)
		eq "$got" "$want"; result "$v" "core-$t-count" $? "traceback $want goroutines, coroner $got; $(grep -v '^$' "$tmp/w/cerr" | head -2 | tr '\n' ' ')"
		# per goroutine: state, frames, creator (the running one: the
		# runtime's frames are the outer part of ours)
		zcat "$D/crash-$t.txt.gz" | sed '/^-----$/,$d' | awk -f "$norm" >"$tmp/w/want"
		awk -f "$norm" "$tmp/w/c.txt" >"$tmp/w/got"
		# One exception, the scavenger (runtime.bgscavenge): the crash
		# traceback is printed while the other threads still run, and
		# sysmon or an allocation may ready the scavenger before the core
		# is written; its goroutine then reads "runnable" in the core, with
		# the same frames, where the traceback said "GC scavenge wait".
		# Both are the runtime's own word at its moment: it is counted as
		# the same, and said in the detail.
		r=$(awk 'FNR == 1 { f++ } $1 == "G" { id = $2; s = $0; sub(/^G [0-9]+ /, "", s); if (f == 1) st[id] = s; else gst[id] = s }
			{ if (f == 1) w[id] = w[id] $0 "\n"; else g[id] = g[id] $0 "\n" }
			END { for (id in w) { n++; if (st[id] == "running") { n--; continue }
				alt = g[id]; sub(/^[^\n]*\n/, "", alt); alt = "G " id " " st[id] "\n" alt
				if (w[id] == g[id]) ok++; else if (!(id in g)) miss++
				else if (st[id] == "GC scavenge wait" && gst[id] == "runnable" && w[id] ~ /\nF runtime\.bgscavenge / && alt == w[id]) { ok++; scav = id }
				else { bad++; if (!ex) ex = id } }
				printf "%d %d %d %d %s %s\n", n, ok, miss, bad, ex ? ex : "-", scav }' "$tmp/w/want" "$tmp/w/got")
		set -- $r
		[ "$5" = - ] && set -- "$1" "$2" "$3" "$4" "" "${6:-}"
		[ "$1" = "$2" ] && [ "$1" -gt 0 ]; result "$v" "core-$t-goroutines" $? \
			"of $1 not running goroutines: $2 exactly as the traceback, $3 missing, $4 different${5:+ (e.g. goroutine $5)}${6:+ (goroutine $6, the scavenger: runnable in the core, GC scavenge wait in the traceback, readied in between)}"
		if [ -n "${GOREL_VERBOSE:-}" ] && [ -n "${5:-}" ]; then
			awk -v id="$5" '$1=="G"{on=($2==id)} on' "$tmp/w/want" >"$tmp/w/w1"
			awk -v id="$5" '$1=="G"{on=($2==id)} on' "$tmp/w/got" >"$tmp/w/g1"; diff "$tmp/w/w1" "$tmp/w/g1" | head -20
		fi
		# memory figures read
		jq -e '.memstats | length > 0' "$tmp/w/c.json" >/dev/null 2>&1; result "$v" "core-$t-memstats" $? \
			"$(jq -c '.memstats // "none"' "$tmp/w/c.json" 2>/dev/null | head -c 200)"
		# symbolize --return-addresses: every "pc=" of the traceback that is a
		# return address (not the first frame nor the one below sigpanic),
		# with the inlined frames printed above it
		zcat "$D/crash-$t.txt.gz" | sed '/^-----$/,$d' | awk '
			/^goroutine / { first = 1; chain = ""; next }
			/^[^ \t].*\)$/ { fn = $0; sub(/\([^(]*\)$/, "", fn); if (fn == "panic") fn = "runtime.gopanic"; next }
			/^\t/ { loc = $1; chain = chain fn " " loc ";"
				if (match($0, / pc=0x[0-9a-f]+/)) { pc = substr($0, RSTART + 4, RLENGTH - 4)
					if (!first && !afterpanic) print pc, chain
					afterpanic = (fn == "runtime.sigpanic"); first = 0; chain = "" } }' |
			sort -u -k1,1 >"$tmp/w/pcs"
		cut -d' ' -f1 "$tmp/w/pcs" >"$tmp/w/pcl"
		base=""
		[ $t = pie ] && base="--core=$tmp/w/core"
		"$CORONER" symbolize --return-addresses --format=json $base -e "$tmp/w/$b" <"$tmp/w/pcl" 2>/dev/null |
			jq -r '.address + " " + ([.frames | reverse[] | .function + " " + .file + ":" + (.line | tostring)] | join(";")) + ";"' \
			2>/dev/null >"$tmp/w/sym"
		# the traceback prints inlined frames innermost first: reverse to compare
		awk '{ n = split($0, a, " "); pc = $1; s = substr($0, length(pc) + 2); k = split(s, fr, ";"); o = ""
			for (i = k - 1; i >= 1; i--) o = o fr[i] ";"; print pc " " o }' "$tmp/w/pcs" | sort >"$tmp/w/pcw"
		sort "$tmp/w/sym" >"$tmp/w/pcg"
		n=$(wc -l <"$tmp/w/pcw") m=$(comm -12 "$tmp/w/pcw" "$tmp/w/pcg" | wc -l)
		[ "$n" = "$m" ] && [ "$n" -gt 0 ]; result "$v" "symbolize-$t" $? "$m of $n traceback return addresses symbolized as the runtime printed them"
		if [ -n "${GOREL_VERBOSE:-}" ] && [ "$n" != "$m" ]; then comm -23 "$tmp/w/pcw" "$tmp/w/pcg" | head -3; comm -13 "$tmp/w/pcw" "$tmp/w/pcg" | head -3; fi
		rm -f "$tmp/w/core"
	done
done
echo "$pass passed, $fail failed, $todo known failures (TODO), $fixed fixed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
