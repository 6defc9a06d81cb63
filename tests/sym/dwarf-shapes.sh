#!/bin/sh
# Hostile DWARF shapes (docs/HACKING.md, "Threat model"), built here with
# gcc and checked against llvm-symbolizer on the same binaries:
#  - old GNU-compressed .zdebug_* sections (-gz=zlib-gnu);
#  - a 10,000-deep nest of lexical blocks (DIE depth far past our 256 cap):
#    the answer must still be right and fast (20 s timeout; no ulimit -v,
#    which the ASan build cannot run under).
set -u
: "${CORONER:?}"
command -v gcc >/dev/null 2>&1 || { echo "SKIP: no gcc"; exit 77; }
command -v llvm-symbolizer >/dev/null 2>&1 || { echo "SKIP: no llvm-symbolizer"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if [ "$1" = ok ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $2"; fi; }

cat > "$tmp/z.c" <<'C'
static int sq(int x) { return x * x; }
int f(int x) { return sq(x) * 3 + 1; }
int main(int argc, char **argv) { (void)argv; return f(argc); }
C
if gcc -g -O1 -gz=zlib-gnu "$tmp/z.c" -o "$tmp/zgnu" 2>/dev/null && grep -q zdebug_info "$tmp/zgnu"; then
	for sym in f main; do
		a=0x$(nm "$tmp/zgnu" | awk -v s=$sym '$3==s{print $1}')
		want=$(llvm-symbolizer --inlines --obj="$tmp/zgnu" "$a")
		got=$("$CORONER" symbolize -e "$tmp/zgnu" "$a")
		[ "$got" = "$want" ] && check ok || check bad ".zdebug $sym: got '$got' want '$want'"
	done
else
	echo "note: this gcc cannot write .zdebug sections"
fi

awk 'BEGIN { n = 10000; printf "int main(int argc, char **argv) { (void)argv; int r = argc;\n";
	for (i = 0; i < n; i++) printf "{ int v%d = r + %d; r ^= v%d;\n", i, i, i;
	for (i = 0; i < n; i++) printf "}"; printf "\nreturn r; }\n" }' > "$tmp/deep.c"
gcc -g -O0 "$tmp/deep.c" -o "$tmp/deep" || { echo "SKIP: gcc failed"; exit 77; }
m=$(nm "$tmp/deep" | awk '$3=="main"{print $1}')
for off in 0x40 0x3000 0x9000; do
	a=$(printf '0x%x' $((0x$m + off)))
	want=$(llvm-symbolizer --inlines --obj="$tmp/deep" "$a")
	got=$(timeout 20 "$CORONER" symbolize -e "$tmp/deep" "$a")
	[ "$got" = "$want" ] && check ok || check bad "deep nest at +$off: got '$got' want '$want'"
done
# cyclic DW_AT_abstract_origin chains (a reference chain is capped and
# carries a visited set): gcc's own DWARF for a program with inlining, with the references
# rewritten in its -dA assembly so that the first inlined call and the first
# out-of-line instance point at each other and the second inlined call points
# at itself. Every address of every function, padding included, must give
# what llvm-symbolizer gives, promptly.
cat > "$tmp/cyc.c" <<'C'
static int __attribute__((noinline)) helper(int x) { return x * 7 + 3; }
static inline int sq(int x) { return helper(x) * x; }
int f(int x) { return sq(x) + 1; }
int g(int x) { return sq(x + 2) - 1; }
int main(int argc, char **argv) { (void)argv; return f(argc) + g(argc); }
C
if gcc -g -O2 -gdwarf-4 -dA -S "$tmp/cyc.c" -o "$tmp/cyc0.s" 2>/dev/null; then
	awk '{ line[NR] = $0 }
	/\(DIE \(0x[0-9a-f]+\) DW_TAG_/ { match($0, /DIE \(0x[0-9a-f]+\)/)
		off = substr($0, RSTART + 5, RLENGTH - 6); tag = $NF; sub(/\)$/, "", tag); next }
	/# DW_AT_abstract_origin$/ { n++; L[n] = NR; T[n] = tag; O[n] = off }
	END {
		for (i = 1; i <= n; i++) {
			if (T[i] == "DW_TAG_inlined_subroutine" && !i1) i1 = i
			else if (T[i] == "DW_TAG_inlined_subroutine" && !i2) i2 = i
			if (T[i] == "DW_TAG_subprogram" && !s) s = i
		}
		if (!i1 || !i2 || !s) exit 1
		for (k = 1; k <= NR; k++) {
			l = line[k]
			if (k == L[i1]) sub(/0x[0-9a-f]+/, O[s], l)
			if (k == L[s]) sub(/0x[0-9a-f]+/, O[i1], l)
			if (k == L[i2]) sub(/0x[0-9a-f]+/, O[i2], l)
			print l
		}
	}' "$tmp/cyc0.s" > "$tmp/cyc.s" && gcc "$tmp/cyc.s" -o "$tmp/cyc" ||
		{ echo "SKIP: could not build the cyclic-origin binary"; exit 77; }
	cmp -s "$tmp/cyc0.s" "$tmp/cyc.s" && check bad "cyclic origins: nothing rewritten"
	for sym in f g main helper; do
		a=$(nm "$tmp/cyc" | awk -v s=$sym '$3==s{print $1}')
		for off in 0 2 4 6 8 10 12 14 16; do
			x=$(printf '0x%x' $((0x$a + off)))
			want=$(llvm-symbolizer --inlines --obj="$tmp/cyc" "$x" 2>/dev/null)
			got=$(timeout 20 "$CORONER" symbolize -e "$tmp/cyc" "$x" 2>/dev/null)
			[ "$got" = "$want" ] && check ok || check bad "cyclic origins $sym+$off: got '$got' want '$want'"
		done
	done
	# DWARF that cannot be used must not vanish silently: a NOBITS
	# .debug_info and an e_shstrndx naming no string table each answer what
	# llvm-symbolizer answers (symbol names) and say why on stderr
	if command -v readelf >/dev/null 2>&1; then
		a=0x$(nm "$tmp/cyc" | awk '$3=="f"{print $1}')
		cp "$tmp/cyc" "$tmp/nobits"
		idx=$(readelf -SW "$tmp/nobits" | awk '/ \.debug_info /{ gsub(/[][]/, "", $1); print $1 }')
		shoff=$(readelf -hW "$tmp/nobits" | awk '/Start of section headers/{ print $5 }')
		printf '\010' | dd of="$tmp/nobits" bs=1 seek=$((shoff + idx * 64 + 4)) conv=notrunc 2>/dev/null
		cp "$tmp/cyc" "$tmp/badshstr"
		printf '\001\000' | dd of="$tmp/badshstr" bs=1 seek=62 conv=notrunc 2>/dev/null
		for v in nobits:"SHT_NOBITS" badshstr:"e_shstrndx 1 is not a string table"; do
			f=${v%%:*} msg=${v#*:}
			want=$(llvm-symbolizer --obj="$tmp/$f" "$a" 2>/dev/null)
			got=$("$CORONER" symbolize -e "$tmp/$f" "$a" 2>"$tmp/err")
			[ "$got" = "$want" ] && check ok || check bad "$f: got '$got' want '$want'"
			grep -q "warning: .*/$f: .*$msg" "$tmp/err" && check ok || check bad "$f: no warning: $(cat "$tmp/err")"
		done
	fi
else
	echo "note: gcc -dA -S failed; cyclic-origin case not run"
fi
# a pclntab whose function count is absurd (golang/go#81191): refused with a
# warning naming the count, no allocation sized by it; DWARF still answers
if [ -n "${TESTDATA:-}" ] && [ -f "$TESTDATA/bin/gosym.gz" ] && command -v readelf >/dev/null 2>&1; then
	gunzip -c "$TESTDATA/bin/gosym.gz" > "$tmp/gosym"
	off=$(readelf -SW "$tmp/gosym" | grep ' .gopclntab ' | sed 's/.*PROGBITS *//' | awk '{print $2}')
	a=0x$(nm "$tmp/gosym" | awk '$3=="main.main"{print $1}')
	printf '\377\377\377\377\377\377\377\177' | dd of="$tmp/gosym" bs=1 seek=$((0x$off + 8)) conv=notrunc 2>/dev/null
	got=$(timeout 20 "$CORONER" symbolize -e "$tmp/gosym" "$a" 2>"$tmp/err" | head -1)
	want=$(llvm-symbolizer --obj="$tmp/gosym" "$a" | head -1)
	[ "$got" = "$want" ] && check ok || check bad "huge nfunc: got '$got' want '$want'"
	grep -q "function count 9223372036854775807 does not fit" "$tmp/err" && check ok || check bad "huge nfunc: no warning"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
