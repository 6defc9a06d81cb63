#!/bin/sh
# ELF32 (386, arm) and big-endian ELF64 (ppc64, s390x): testdata/gen/symcross
# cross-built with the local Go (offline, standard library only), then every
# ~7th sized text symbol and every 4th byte of main.sum (an inlined call)
# symbolized by coroner and by llvm-symbolizer, live. Same frames, with the
# documented Go differences (./ prefix, .abi0, type..eq.[N]). SKIP without go
# or llvm-symbolizer.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
command -v go >/dev/null 2>&1 && command -v llvm-symbolizer >/dev/null 2>&1 && command -v llvm-nm >/dev/null 2>&1 ||
	{ echo "SKIP: needs go, llvm-symbolizer, llvm-nm"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$TESTDATA/gen/symcross/main.go" "$TESTDATA/gen/symcross/go.mod" "$tmp/"
fail=0
norm() { sed -e 's#^\./##' -e 's/\.abi0$//' -e 's/^type\.\.eq\.\[[0-9]*\]/type..eq.[...]/'; }
for a in 386 arm ppc64 s390x; do
	(cd "$tmp" && GOOS=linux GOARCH=$a GOFLAGS=-buildvcs=false GOPROXY=off CGO_ENABLED=0 \
		go build -trimpath -o "xb-$a" .) || { echo "SKIP: go build GOARCH=$a failed"; exit 77; }
	b=$tmp/xb-$a
	llvm-nm --print-size --defined-only "$b" |
		awk 'NF == 4 && $3 ~ /^[Tt]$/ && $2 !~ /^0+$/ && NR % 7 == 0 { print "0x" $1 }' > "$tmp/a"
	s=$(llvm-nm --print-size "$b" | grep ' main.sum$')
	st=$(echo "$s" | cut -d' ' -f1) sz=$(echo "$s" | cut -d' ' -f2)
	i=0
	while [ "$i" -lt $((0x$sz)) ]; do printf '0x%x\n' $((0x$st + i)); i=$((i + 4)); done >> "$tmp/a"
	llvm-symbolizer --obj="$b" --inlines < "$tmp/a" | norm > "$tmp/want"
	"$CORONER" symbolize -e "$b" < "$tmp/a" | norm > "$tmp/got"
	n=$(wc -l < "$tmp/a")
	if [ "$n" -gt 50 ] && diff "$tmp/want" "$tmp/got" > "$tmp/d" &&
		{ [ "$a" = arm ] || grep -q '^main.sq$' "$tmp/got"; }; then # arm: no instruction of sq keeps its line
		echo "ok $a: $n addresses"
	else
		echo "FAIL $a"; head -20 "$tmp/d"; fail=1
	fi
done
# cgo: memprog (testdata/gen/memprog, C code + Go): C functions come from
# DWARF (indexed lazily, only for pcs outside the pclntab), Go ones from the
# pclntab; every 3rd sized text symbol against llvm-symbolizer
if command -v gcc >/dev/null 2>&1 &&
	(cd "$TESTDATA/gen/memprog" && GOFLAGS=-buildvcs=false GOPROXY=off CGO_ENABLED=1 go build -trimpath -o "$tmp/memprog" .) 2>/dev/null; then
	llvm-nm --print-size --defined-only "$tmp/memprog" |
		awk 'NF == 4 && $3 ~ /^[Tt]$/ && $2 !~ /^0+$/ && NR % 3 == 0 { print "0x" $1 }' > "$tmp/a"
	llvm-symbolizer --obj="$tmp/memprog" --inlines < "$tmp/a" | norm | sed 's/\.1$/·1/' > "$tmp/want"
	"$CORONER" symbolize -e "$tmp/memprog" < "$tmp/a" | norm | sed 's/\.1$/·1/' > "$tmp/got"
	if diff "$tmp/want" "$tmp/got" > "$tmp/d" && grep -q 'gcc_.*\.c:' "$tmp/got"; then
		echo "ok cgo: $(wc -l < "$tmp/a") addresses"
	else
		echo "FAIL cgo"; head -20 "$tmp/d"; fail=1
	fi
else
	echo "(cgo part skipped: no gcc or cgo build failed)"
fi
# C++ (g++ -O2, DWARF 5): demangled names, gcc clones (.isra/.constprop/
# .cold) named from the symbol table, STT_FILE for code without DWARF, as
# llvm-symbolizer does; every sized text symbol
if command -v g++ >/dev/null 2>&1 && g++ -g -O2 -no-pie -o "$tmp/symcxx" "$TESTDATA/gen/symcxx/symcxx.cc" 2>/dev/null; then
	llvm-nm --print-size --defined-only "$tmp/symcxx" |
		awk 'NF == 4 && $3 ~ /^[Tt]$/ && $2 !~ /^0+$/ { print $1, $2 }' |
		while read -r st sz; do
			i=0
			while [ "$i" -lt $((0x$sz)) ]; do printf '0x%x\n' $((0x$st + i)); i=$((i + 3)); done
		done > "$tmp/a"
	# the two demanglers differ on one spelling: libstdc++ writes the
	# template operator< as "operator< <char", llvm 14 as "operator<<char"
	llvm-symbolizer --obj="$tmp/symcxx" --inlines < "$tmp/a" | sed 's/operator<<\([a-z]\)/operator< <\1/' > "$tmp/want"
	"$CORONER" symbolize -e "$tmp/symcxx" < "$tmp/a" > "$tmp/got"
	if diff "$tmp/want" "$tmp/got" > "$tmp/d" && grep -q '^ns::work(' "$tmp/got"; then
		echo "ok c++: $(wc -l < "$tmp/a") addresses"
	else
		echo "FAIL c++"; head -20 "$tmp/d"; fail=1
	fi
else
	echo "(c++ part skipped: no g++)"
fi
exit $fail
