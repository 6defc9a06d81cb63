#!/bin/sh
# symbolize --core CORE ADDR...: addresses of the process that dumped a C
# core named through the file the core maps there (the executable, its
# shared library, libc), against llvm-symbolizer on that file at the link
# address. The addresses are gdb's (the return addresses of its
# `thread apply all bt`, testdata/ccore/expected/NAME.gdb); where each file
# is mapped comes from `eu-unstrip -n --core`, its first PT_LOAD from
# `readelf -lW`. Each frame's function, inlined ones included, and its
# line and column must be llvm-symbolizer's; files are compared by base
# name (llvm-symbolizer puts a relative DW_AT_comp_dir such as glibc's
# "./nptl" before the line table's "./nptl/x.c"; coroner, like gdb, does
# not). JSON carries the same frames. Then the refusals: no --sysroot, a
# file of another build id under the sysroot.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
d="$TESTDATA/ccore"
[ -f "$d/lib-pie.core.zst" ] || { echo "SKIP: no C cores"; exit 77; }
for t in jq zstd llvm-symbolizer eu-unstrip readelf; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
libcid=93ac61ec5a8eb1396f9fbd350e3169a558528a40
[ -f /usr/lib/debug/.build-id/93/${libcid#93}.debug ] || { echo "SKIP: not the libc of the cores"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0
# a sysroot holding the files the cores map, as the machine that dumped them had them
mkdir -p "$tmp/root/tmp/ccrash-gen" "$tmp/root/usr/lib/x86_64-linux-gnu" "$tmp/root/lib64"
for f in ccrash-pie ccrash-strip ccrash-strip.debug ccrashxx-pie libccrashlib.so; do
	cp "$d/$f" "$tmp/root/tmp/ccrash-gen/"
done
for l in libc.so.6 libstdc++.so.6 libm.so.6 libgcc_s.so.1; do
	f=/usr/lib/x86_64-linux-gnu/$l
	[ -f "$f" ] || continue
	cp -L "$f" "$tmp/root/usr/lib/x86_64-linux-gnu/"
	cp -L "$f" "$tmp/root$(readlink -f "$f")" 2>/dev/null || :
done
cp -L /lib64/ld-linux-x86-64.so.2 "$tmp/root/lib64/"

# llvm-symbolizer's frames of one address as "function|base:line:column" lines
llvm_frames() { # file link-address
	llvm-symbolizer --obj="$1" --debug-file-directory=/usr/lib/debug --debug-file-directory="$d/debug" "$2" |
		awk 'NF == 0 { exit } NR % 2 == 1 { fn = $0; next }
		     { n = split($0, p, "/"); print fn "|" p[n] }'
}
ours_frames() { # text output of one address
	awk 'NF == 0 { exit } NR % 2 == 1 { fn = $0; next } { n = split($0, p, "/"); print fn "|" p[n] }'
}

check() { # core-name: every return address gdb prints, in every module of the core
	name=$1
	zstd -dqc "$d/$name.core.zst" > "$tmp/core" || exit 1
	eu-unstrip -n --core="$tmp/core" > "$tmp/mods"
	grep -ho '^#[0-9]* *0x[0-9a-f]*' "$d/expected/$name.gdb" | awk '{ print $2 }' | sort -u > "$tmp/addrs"
	n=0
	while read -r a; do
		# the module holding a-1 (the call), and the file llvm-symbolizer reads
		m=
		while read -r r _ _ _ f; do
			s=${r%+*} z=${r#*+}
			[ $(($a - 1)) -ge $(($s)) ] && [ $(($a - 1)) -lt $(($s + $z)) ] && { m="$s $f"; break; }
		done < "$tmp/mods"
		[ -n "$m" ] || continue
		start=${m%% *} file=${m#* }
		case $file in
		/*) obj="$tmp/root$file" ;;
		*) obj="$tmp/root/usr/lib/x86_64-linux-gnu/$file"; [ -f "$obj" ] || obj="$tmp/root/lib64/$file" ;;
		esac
		[ -f "$obj" ] || continue
		v=$(readelf -lW "$obj" | awk '$1 == "LOAD" { print $3, $2; exit }')
		link=$(printf '0x%x' $(($a - 1 - $start + ${v% *} - ${v#* })))
		llvm_frames "$obj" "$link" > "$tmp/want"
		"$CORONER" --sysroot="$tmp/root" symbolize --core "$tmp/core" --return-addresses "$a" > "$tmp/got.txt" 2> "$tmp/err"
		ours_frames < "$tmp/got.txt" > "$tmp/got"
		if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got" && [ ! -s "$tmp/err" ]; then
			pass=$((pass + 1)); n=$((n + 1))
		else
			echo "FAIL: $name $a ($file $link)"; echo "  llvm-symbolizer:"; sed 's/^/    /' "$tmp/want"
			echo "  coroner:"; sed 's/^/    /' "$tmp/got" "$tmp/err"; fail=$((fail + 1))
		fi
	done < "$tmp/addrs"
	[ "$n" -gt 0 ] || { echo "FAIL: $name: no address checked"; fail=$((fail + 1)); }
}
for c in lib-pie qsort-pie assert-pie throw-pie null-strip recurse-pie; do check $c; done

# all of one core's addresses at once, in JSON: the same frames as the text
zstd -dqc "$d/lib-pie.core.zst" > "$tmp/core"
grep -ho '^#[0-9]* *0x[0-9a-f]*' "$d/expected/lib-pie.gdb" | awk '{ print $2 }' | sort -u > "$tmp/addrs"
"$CORONER" --sysroot="$tmp/root" symbolize --core "$tmp/core" --return-addresses --format=json < "$tmp/addrs" |
	jq -r '.frames[] | "\(.function)|\(.file | split("/") | last):\(.line)"' > "$tmp/json"
"$CORONER" --sysroot="$tmp/root" symbolize --core "$tmp/core" --return-addresses < "$tmp/addrs" |
	awk 'NF == 0 { next } /^\?\?$/ || !/:[0-9]+:[0-9]+$/ { fn = $0; next } { sub(/:[0-9]+$/, ""); n = split($0, p, "/"); print fn "|" p[n] }' > "$tmp/text"
if [ -s "$tmp/json" ] && cmp -s "$tmp/json" "$tmp/text"; then pass=$((pass + 1)); else
	echo "FAIL: JSON frames differ from text"; diff "$tmp/text" "$tmp/json" | head; fail=$((fail + 1)); fi

# no --sysroot: the libraries are not read (a line), the answer is "??"
libc=$(grep -ho '^#[0-9]* *0x00007[0-9a-f]*' "$d/expected/lib-pie.gdb" | awk '{ print $2 }' | head -1)
if "$CORONER" symbolize --core "$tmp/core" "$libc" > "$tmp/out" 2> "$tmp/err" &&
   [ "$(head -1 "$tmp/out")" = "??" ] && grep -q 'libc.so.6: not read .*--sysroot' "$tmp/err"; then
	pass=$((pass + 1)); else echo "FAIL: without --sysroot"; cat "$tmp/out" "$tmp/err"; fail=$((fail + 1)); fi
# a libc of another build under the sysroot: refused with both build ids; the executable still named
mkdir -p "$tmp/other/usr/lib/x86_64-linux-gnu" "$tmp/other/tmp/ccrash-gen"
cp "$d/libccrashlib.so" "$tmp/other/usr/lib/x86_64-linux-gnu/libc.so.6"
cp "$d/ccrash-pie" "$tmp/other/tmp/ccrash-gen/"
exe=$(grep -h '^#[0-9]* *0x[0-9a-f]* in waiter ' "$d/expected/lib-pie.gdb" | awk '{ print $2 }' | head -1)
if "$CORONER" --sysroot="$tmp/other" symbolize --core "$tmp/core" --return-addresses "$libc" "$exe" > "$tmp/out" 2> "$tmp/err" &&
   [ "$(head -1 "$tmp/out")" = "??" ] && grep -q '^waiter$' "$tmp/out" &&
   grep -q "libc.so.6: build id [0-9a-f]*, the core's mapping has $libcid" "$tmp/err"; then
	pass=$((pass + 1)); else echo "FAIL: libc of another build"; cat "$tmp/out" "$tmp/err"; fail=$((fail + 1)); fi
echo "symbolize-core: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
