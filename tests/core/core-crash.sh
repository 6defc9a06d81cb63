#!/bin/sh
# coroner core against the crashing program's own GOTRACEBACK=crash traceback
# (testdata/bin/crash*.txt, written by the Go runtime as the core was made)
# and against dlv core's recorded output (expected/core-*.dlv.txt).
#   - the same goroutine ids and, per goroutine, the same state, frames
#     (function file:line, inlined frames included) and creator; for the
#     running goroutine the runtime's frames are the outermost part of ours;
#   - one thread per NT_PRSTATUS note (readelf -n on the core);
#   - the fatal signal = the process's exit status - 128 (expected/crash.exit);
#   - dlv's goroutine count and each goroutine's user location (function and pc);
#   - the same for testdata/gover: go1.21-1.23 builds, stripped and not.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
bin="$TESTDATA/bin"
norm="$TESTS/core/traceback-norm.awk"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
# testdata/gover/go1.N/: the same program built by newer Go releases, its
# stripped build (the struct tables of lib/gort) and for the newest its DWARF
# build too (regen.sh section gover)
gover=""
for d in "$TESTDATA"/gover/go1.*; do
	[ -d "$d" ] || continue
	for k in "" "-stripped"; do [ -f "$d/core$k.zst" ] && gover="$gover gover:${d##*/}:$k"; done
done
for v in "" "-pie" "-stripped" "-cgo" $gover; do
	core="$bin/core-gosym$v.zst" exe="$bin/gosym$v.gz" crash="$bin/crash$v.txt" exitf="$bin/expected/crash$v.exit"
	case "$v" in gover:*)
		gv=${v#gover:}; k=${gv#*:}; gv=${gv%%:*}
		core="$TESTDATA/gover/$gv/core$k.zst" exe="$TESTDATA/gover/$gv/gosym$k.gz"
		crash="$TESTDATA/gover/$gv/crash$k.txt" exitf="$TESTDATA/gover/$gv/expected/crash$k.exit" ;;
	esac
	if [ "$v" = "-stripped" ]; then
		# testdata/gen/core2.sh: gosym-stripped (-ldflags='-s -w': no .symtab,
		# no DWARF; runtime globals found from machine code) crashed the same way
		core="$TESTDATA/core/core-stripped.zst" crash="$TESTDATA/core/crash-stripped.txt"
		exitf="$TESTDATA/core/expected/crash-stripped.exit"
	fi
	if [ "$v" = "-cgo" ]; then
		# testdata/gen/core2.sh: gen/cgoprog aborting inside C (cgo)
		core="$TESTDATA/core/core-cgo.zst" crash="$TESTDATA/core/crash-cgo.txt" exe="$TESTDATA/core/cgoprog.gz"
		exitf="$TESTDATA/core/expected/crash-cgo.exit"
	fi
	[ -f "$core" ] && [ -f "$exe" ] && [ -f "$crash" ] || { echo "SKIP: missing gosym$v fixtures"; exit 77; }
	if ! "$CORONER" --sysroot=/ core --all "$exe" "$core" > "$tmp/out.txt" 2> "$tmp/err.txt"; then
		echo "FAIL core-gosym$v: exit $?"; cat "$tmp/err.txt"; fail=$((fail+1)); continue
	fi
	# the goroutines: the traceback's first part (GOTRACEBACK=crash then
	# prints each M's stack after a "-----" line: checked in core-cgo.sh)
	sed '/^-----$/,$d' "$crash" | awk -f "$norm" > "$tmp/want"
	awk -f "$norm" "$tmp/out.txt" > "$tmp/got"
	# goroutine ids
	grep '^G ' "$tmp/want" | cut -d' ' -f2 | sort -n > "$tmp/want.ids"
	grep '^G ' "$tmp/got" | cut -d' ' -f2 | sort -n > "$tmp/got.ids"
	if cmp -s "$tmp/want.ids" "$tmp/got.ids" && [ -s "$tmp/want.ids" ]; then pass=$((pass+1)); else
		echo "FAIL core-gosym$v: goroutine ids differ"; diff "$tmp/want.ids" "$tmp/got.ids"; fail=$((fail+1)); fi
	# per goroutine
	for id in $(cat "$tmp/want.ids"); do
		awk -v id="$id" '$1=="G"{on=($2==id)} on' "$tmp/want" > "$tmp/w1"
		awk -v id="$id" '$1=="G"{on=($2==id)} on' "$tmp/got" > "$tmp/g1"
		if head -1 "$tmp/w1" | grep -q '^G [0-9]* running$'; then
			# the runtime's frames must be the outermost part of ours
			grep '^F ' "$tmp/w1" > "$tmp/wf"; grep '^F ' "$tmp/g1" > "$tmp/gf"
			n=$(wc -l < "$tmp/wf")
			tail -n "$n" "$tmp/gf" > "$tmp/gft"
			if [ "$n" -gt 0 ] && cmp -s "$tmp/wf" "$tmp/gft" && [ "$(head -1 "$tmp/w1")" = "$(head -1 "$tmp/g1")" ]; then
				pass=$((pass+1)); else echo "FAIL core-gosym$v goroutine $id (running): frames not a suffix"
				diff "$tmp/wf" "$tmp/gf"; fail=$((fail+1)); fi
		elif cmp -s "$tmp/w1" "$tmp/g1"; then pass=$((pass+1)); else
			echo "FAIL core-gosym$v goroutine $id"; diff "$tmp/w1" "$tmp/g1"; fail=$((fail+1)); fi
	done
	# threads: one per NT_PRSTATUS
	if command -v zstd >/dev/null && command -v readelf >/dev/null; then
		zstd -dqc "$core" > "$tmp/core"
		want=$(readelf -n "$tmp/core" | grep -c NT_PRSTATUS)
		"$CORONER" --sysroot=/ core --format=json "$exe" "$tmp/core" > "$tmp/out.json" 2>/dev/null
		got=$(grep -c '"tid":' "$tmp/out.json")
		if [ "$want" = "$got" ] && [ "$want" -gt 0 ]; then pass=$((pass+1)); else
			echo "FAIL core-gosym$v: $got threads, readelf shows $want NT_PRSTATUS"; fail=$((fail+1)); fi
		rm -f "$tmp/core"
	fi
	# the fatal signal: exit status 128+N
	if [ -f "$exitf" ] && command -v jq >/dev/null; then
		st=$(sed -n 's/^exit status //p' "$exitf")
		"$CORONER" --sysroot=/ core --format=json "$exe" "$core" > "$tmp/out.json" 2>/dev/null
		got=$(jq '.signal.number' "$tmp/out.json")
		if [ "$got" = "$((st - 128))" ]; then pass=$((pass+1)); else
			echo "FAIL core-gosym$v: signal $got, exit status $st"; fail=$((fail+1)); fi
		# dlv: count and user locations
		dlv="$bin/expected/core-gosym$v.dlv.txt"
		if [ -f "$dlv" ]; then
			dn=$(sed -n 's/^\[\([0-9]*\) goroutines\]$/\1/p' "$dlv" | head -1)
			gn=$(jq '.goroutines | length' "$tmp/out.json")
			if [ "$dn" = "$gn" ]; then pass=$((pass+1)); else
				echo "FAIL core-gosym$v: $gn goroutines, dlv says $dn"; fail=$((fail+1)); fi
			# "  Goroutine N - User: FILE:LINE FUNC (0xPC) ..." of the first listing
			awk '/^\[[0-9]+ goroutines\]/{exit} /Goroutine [0-9]+ - User: /' "$dlv" |
			sed 's/^[ *]*Goroutine \([0-9]*\) - User: [^ ]* \(.*\) (\(0x[0-9a-f]*\)).*/\1 \2 \3/' |
			while read -r id fn pc; do
				pcn=$(printf '0x%x' "$pc")
				ok=$(jq --argjson id "$id" --arg fn "$fn" --arg pc "$pcn" \
					'[.goroutines[] | select(.id == $id) | .frames[] | select(.function == $fn and .pc == $pc)] | length' "$tmp/out.json")
				[ "$ok" -ge 1 ] && echo pass || echo "FAIL core-gosym$v: dlv goroutine $id at $fn $pc not in our stack"
			done > "$tmp/dlvres"
			pass=$((pass + $(grep -c '^pass$' "$tmp/dlvres")))
			if grep -q FAIL "$tmp/dlvres"; then grep FAIL "$tmp/dlvres"; fail=$((fail+1)); fi
		fi
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
