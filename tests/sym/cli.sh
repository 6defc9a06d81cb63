#!/bin/sh
# symbolize CLI behaviour: usage and bad-input exit codes, JSON for unknown
# addresses, --base for a PIE (against llvm-symbolizer's answers for the
# unrelocated addresses), --annotate on a Go crash, -o on a profile.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
E=$TESTDATA/bin/expected
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fail=1; }
gunzip -c "$TESTDATA/bin/csym-pie.gz" > "$tmp/csym-pie" && gunzip -c "$TESTDATA/bin/gosym.gz" > "$tmp/gosym" || exit 77

"$CORONER" symbolize 0x1 >/dev/null 2>&1; [ $? = 2 ] && ok "no -e: exit 2" || bad "no -e: exit 2"
"$CORONER" symbolize -e "$tmp/gosym" zz >/dev/null 2>&1; [ $? = 2 ] && ok "bad address: exit 2" || bad "bad address: exit 2"
printf 'not an elf' > "$tmp/junk"
msg=$("$CORONER" symbolize -e "$tmp/junk" 0x1 2>&1); rc=$?
[ $rc = 1 ] && case "$msg" in "coroner: "*"junk: ELF: not an ELF file") true ;; *) false ;; esac &&
	ok "non-ELF: exit 1 with one line" || bad "non-ELF: exit 1 ($rc: $msg)"
"$CORONER" symbolize -e "$tmp/gosym" /dev/null >/dev/null 2>&1; [ $? = 2 ] && ok "non-hex arg" || bad "non-hex arg"

# an address outside the binary: JSON frames [] (the contract), text ??
got=$("$CORONER" symbolize -e "$tmp/gosym" --format=json 0x10)
[ "$got" = '{"address":"0x10","frames":[]}' ] && ok "unknown address json" || bad "unknown address json: $got"
got=$(printf '0x10\n' | "$CORONER" symbolize -e "$tmp/gosym")
[ "$got" = "$(printf '??\n??:0:0')" ] && ok "unknown address text" || bad "unknown address text: $got"

# --base: the PIE loaded at 0x555555554000 (its first PT_LOAD has vaddr 0)
while read -r a; do printf '0x%x\n' $((a + 0x555555554000)); done < "$E/csym-pie.addrs" > "$tmp/moved"
"$CORONER" symbolize -e "$tmp/csym-pie" --base=0x555555554000 < "$tmp/moved" > "$tmp/got"
diff "$E/csym-pie.llvm.txt" "$tmp/got" > /dev/null && ok "--base PIE" || bad "--base PIE"

# --annotate: the faulting frame (after sigpanic) and a caller frame
"$CORONER" symbolize -e "$tmp/gosym" --annotate "$TESTDATA/bin/crash.txt" > "$tmp/ann"
grep -q 'pc=0x492a8b  \[0x492a8b: main.(\*handler).limit symprog/main.go:151\]' "$tmp/ann" &&
	ok "annotate fault frame" || bad "annotate fault frame"
grep -q 'pc=0x447d16  \[0x447d16: runtime.panicmem runtime/panic.go:260 (inlined) <- runtime.sigpanic runtime/signal_unix.go:835\]' "$tmp/ann" &&
	ok "annotate inlined caller frame" || bad "annotate inlined caller frame"
[ "$(wc -l < "$tmp/ann")" = "$(wc -l < "$TESTDATA/bin/crash.txt")" ] && ok "annotate keeps lines" || bad "annotate keeps lines"

# --core: load address from the core's NT_FILE note; pcs of dlv's goroutine
# list (`dlv core`, expected/core-gosym-pie.dlv.txt) name the same function
# and line. dlv looks a parked goroutine's frame 0 (runtime.gopark) up at its
# pc, the runtime at pc-1 (crash-pie.txt says proc.go:363, dlv 364): those
# are left to the traceback test; the others are return addresses.
if [ -f "$TESTDATA/bin/core-gosym-pie.zst" ]; then
	gunzip -c "$TESTDATA/bin/gosym-pie.gz" > "$tmp/gosym-pie"
	grep -E '^[ *] Goroutine [0-9]+ - User: ' "$E/core-gosym-pie.dlv.txt" | grep -v ' runtime.gopark ' |
		sed -E 's/.*User: ([^ ]+) ([^ ]+) \((0x[0-9a-f]+)\).*/\3 \2 \1/' | sort -u > "$tmp/dlv.want"
	cut -d' ' -f1 "$tmp/dlv.want" |
		"$CORONER" symbolize -e "$tmp/gosym-pie" --core "$TESTDATA/bin/core-gosym-pie.zst" --return-addresses |
		awk 'BEGIN { RS = ""; FS = "\n" } { l = $2; sub(/:[0-9]+$/, "", l); print $1 " " l }' > "$tmp/dlv.got1"
	cut -d' ' -f1 "$tmp/dlv.want" | paste -d' ' - "$tmp/dlv.got1" > "$tmp/dlv.got"
	[ "$(wc -l < "$tmp/dlv.want")" -ge 5 ] && diff "$tmp/dlv.want" "$tmp/dlv.got" && ok "--core (dlv)" || bad "--core (dlv)"
fi

# -o: heap.txt named from its binary, written as pprof; `coroner top` of the
# result must give go tool pprof's rows for (heapprog, heap.txt)
H=$TESTDATA/heap
if [ -f "$H/heapprog.gz" ]; then
	gunzip -c "$H/heapprog.gz" > "$tmp/heapprog"
	"$CORONER" symbolize -e "$tmp/heapprog" "$H/heap.txt" -o "$tmp/heap.pb.gz" &&
	"$CORONER" top --nodefraction=0 --nodecount=25 --unit=B --sample-index=inuse_space "$tmp/heap.pb.gz" |
		sed -n '/^Showing nodes/,$p' > "$tmp/top" &&
	sed -n '/^Showing nodes/,$p' "$H/expected/heap.txt.bin.top.inuse_space.txt" | diff - "$tmp/top" >/dev/null &&
		ok "-o profile" || bad "-o profile"
fi

# an address-only profile (`go tool pprof -proto -symbolize=none heap.txt`:
# pprof's legacy reader keeps no names): `coroner top --binary` and
# `symbolize -o` then `top` give pprof's rows for (heapprog, heap.txt),
# allocator frames dropped after symbolization as pprof does
if [ -f "$H/heapprog.gz" ] && command -v go >/dev/null 2>&1 &&
	go tool pprof -proto -symbolize=none "$H/heap.txt" > "$tmp/addr.pb.gz" 2>/dev/null; then
	for si in inuse_space alloc_space; do
		"$CORONER" top --nodefraction=0 --nodecount=25 --unit=B --sample-index=$si --binary="$tmp/heapprog" \
			"$tmp/addr.pb.gz" | sed -n '/^Showing nodes/,$p' > "$tmp/top"
		sed -n '/^Showing nodes/,$p' "$H/expected/heap.txt.bin.top.$si.txt" | diff - "$tmp/top" >/dev/null &&
			ok "top --binary $si" || bad "top --binary $si"
	done
	"$CORONER" symbolize -e "$tmp/heapprog" "$tmp/addr.pb.gz" -o "$tmp/named.pb.gz" &&
	"$CORONER" top --nodefraction=0 --nodecount=25 --unit=B --sample-index=inuse_space "$tmp/named.pb.gz" |
		sed -n '/^Showing nodes/,$p' > "$tmp/top" &&
	sed -n '/^Showing nodes/,$p' "$H/expected/heap.txt.bin.top.inuse_space.txt" | diff - "$tmp/top" >/dev/null &&
		ok "-o address-only profile" || bad "-o address-only profile"
fi
exit $fail
