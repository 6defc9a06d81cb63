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
exit $fail
