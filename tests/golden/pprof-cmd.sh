#!/bin/sh
# Replays every `go tool pprof` command recorded in testdata/*/expected/INDEX
# (and testdata/pproffetch/go1.N/expected/INDEX)
# whose report `coroner pprof` prints (-top, -text, -traces, -tags, -tree, -peek, -list, -raw, -callgrind, -comments),
# and those of testdata/pprofsrc/go1.N, as it is,
# with `coroner pprof`, and compares stdout+stderr (and the exit status, as
# regen.sh's rec records it) with what pprof printed. An output named
# *.firstline.txt (pprof's usage errors, which go on with its whole usage)
# is compared by its first and last lines only. A command may start with
# PPROF_BINARY_PATH=DIRS (where pprof looks for the mappings' binaries);
# without one, a path where nothing is found, as the recordings had.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
fail=0 pass=0
wdir=$(mktemp -d)
# realize SRC RUN SUB: RUN/SUB (each of its components) a real directory
# whose entries are links to SRC's
realize() {
	_p=.
	for _c in $(printf '%s\n' "$3" | tr / ' '); do
		[ "$_c" = . ] || _p=$_p/$_c
		[ -L "$2/$_p" ] && rm -f "$2/$_p"
		if [ ! -d "$2/$_p" ]; then
			mkdir -p "$2/$_p"
			for _f in "$1/$_p"/*; do ln -s "$_f" "$2/$_p/"; done
		fi
	done
}
unpack() { # GZ OUT: OUT (a link to SRC's GZ's neighbour, or nothing) the binary unpacked
	[ -f "$2" ] && [ ! -L "$2" ] && return 0
	rm -f "$2"; gzip -dc "$1" > "$2" && chmod +x "$2"
}
for index in "$TESTDATA"/*/expected/INDEX "$TESTDATA"/pprofsrc/*/expected/INDEX "$TESTDATA"/pproffetch/*/expected/INDEX; do
	dir=$(dirname "$(dirname "$index")")
	rel=$(sed -n 's/^# recorded with the pprof of go\(1\.[0-9]*\).*/\1/p' "$index" | tail -1)
	rel="--pprof-release=${rel:-1.19}"
	# an INDEX that says "# stdout only" recorded pprof's stdout alone
	errs="2>&1"; grep -q '^# stdout only' "$index" && errs="2>/dev/null"
	while IFS='	' read -r out cmd; do
		case "$out" in '#'*|'') continue ;; esac
		bp=/nonexistent
		case "$cmd" in "PPROF_BINARY_PATH="*" go tool pprof "*) bp=${cmd%% go tool pprof *} bp=${bp#PPROF_BINARY_PATH=}
			cmd=${cmd#PPROF_BINARY_PATH=* } ;; esac
		case "$cmd" in "go tool pprof "*) ;; *) continue ;; esac
		case "$cmd" in *"|"*|*";"*) continue ;; esac # a pipeline over pprof's output: its own test replays it
		# only the reports coroner pprof prints
		case " $cmd " in *" -top "*|*" -text "*|*" -traces "*|*" --traces "*|*" -traces=true "*|*" -tags "*|*" -tree "*|*" -peek"*|*" -list"*|*" -raw "*|*" -callgrind "*|*" -comments "*|*" -bogus "*|*" --no_such=1 "*) ;; *) continue ;; esac
		args=${cmd#go tool pprof }
		# a binary named in the command is stored gzipped (NAME.gz): the
		# command runs in a copy of the directory (links) with it unpacked
		# (so is a directory of PPROF_BINARY_PATH holding NAME.gz files)
		run=$dir
		eval "set -- $args"
		for w in "$@" $(printf '%s\n' "$bp" | tr ':' ' '); do
			case "$w" in -*|/*|*..*) continue ;; esac
			if [ -d "$dir/$w" ] && ls "$dir/$w"/*.gz >/dev/null 2>&1; then
				run=$wdir/$(echo "$dir" | tr / _)
				realize "$dir" "$run" "$w"
				for g in "$dir/$w"/*.gz; do b=${g##*/}; unpack "$g" "$run/$w/${b%.gz}"; done
			elif [ ! -e "$dir/$w" ] && [ -f "$dir/$w.gz" ]; then
				run=$wdir/$(echo "$dir" | tr / _)
				case "$w" in */*) realize "$dir" "$run" "${w%/*}" ;; *) realize "$dir" "$run" . ;; esac
				unpack "$dir/$w.gz" "$run/$w"
			fi
		done
		got=$(cd "$run" && eval "PPROF_BINARY_PATH=\"\$bp\" \"$CORONER\" $rel pprof $args $errs" || echo "exit status $?")
		want=$(cat "$dir/expected/$out")
		case "$out" in *.firstline.txt)
			got="$(printf '%s\n' "$got" | head -1) $(printf '%s\n' "$got" | tail -1)"
			want="$(printf '%s\n' "$want" | head -1) $(printf '%s\n' "$want" | tail -1)" ;;
		esac
		if [ "$got" = "$want" ]; then
			pass=$((pass+1))
		else
			fail=$((fail+1))
			echo "FAIL $out ($cmd)"
			printf '%s\n' "$want" > /tmp/want.$$; printf '%s\n' "$got" > /tmp/got.$$
			diff -u /tmp/want.$$ /tmp/got.$$ | head -20
			rm -f /tmp/want.$$ /tmp/got.$$
		fi
	done < "$index"
done
# -proto -output=FILE: the merged, filtered profile, written atomically;
# its -top (by go1.26's pprof when it is here, else by coroner) is the -top
# pprof printed for the same flags over the inputs (recorded above)
. "$TESTS/go-release.sh"
GO=$(go_release 1.26) || GO=""
tmp=$(mktemp -d); trap 'rm -rf "$tmp" "$wdir"' EXIT
d=$TESTDATA/pprof
while IFS='	' read -r out cmd; do
	case "$out" in '#'*|'') continue ;; esac
	case "$cmd" in "go tool pprof -nodecount="*" -top "*) ;; *) continue ;; esac
	args=${cmd#go tool pprof } nc=${args%% *}
	rest=$(printf '%s\n' "${args#* }" | sed 's/ -top / /; s/^-top //')
	(cd "$d" && eval "\"$CORONER\" pprof -proto -output=\"$tmp/p.pb.gz\" $rest") 2>"$tmp/err" </dev/null
	if ! grep -q "^Generating report in $tmp/p.pb.gz" "$tmp/err"; then
		fail=$((fail+1)); echo "FAIL -proto $rest: $(head -1 "$tmp/err")"; continue
	fi
	case "$rest" in *-diff_base*|*-base*) continue ;; esac # the base's samples are in the profile
	# the written profile is compared by its -top when no flag but -nodecount was given
	flt=$(printf '%s\n' "$rest" | tr ' ' '\n' | grep -v '^\.\./' | tr '\n' ' ')
	if [ -n "$GO" ]; then got=$(cd "$d" && "$GO" tool pprof $nc -top "$tmp/p.pb.gz" 2>&1 </dev/null)
	else got=$(cd "$d" && "$CORONER" pprof $nc -top "$tmp/p.pb.gz" 2>&1); fi
	want=$(cd "$d" && grep -v '^Active filters:\|^   [a-z_]*=' "expected/$out")
	got=$(printf '%s\n' "$got" | grep -v '^Active filters:\|^   [a-z_]*=')
	case "$flt" in *-*) ;; *) if [ "$got" = "$want" ]; then pass=$((pass+1)); else fail=$((fail+1));
		echo "FAIL -proto $rest: -top of the written profile"; printf "%s\n" "$want" >"$tmp/w"; printf "%s\n" "$got" | diff "$tmp/w" - | head -5; fi ;; esac
done < "$d/expected/INDEX"
# -topproto: the profile written (to TMP/tp.pb.gz), shown by -raw
for index in "$TESTDATA"/pproffetch/*/expected/INDEX; do
	[ -f "$index" ] || continue
	dir=$(dirname "$(dirname "$index")")
	while IFS='	' read -r out cmd; do
		case "$cmd" in "PPROF_BINARY_PATH=/nonexistent go tool pprof -topproto -output=TMP/tp.pb.gz "*"; go tool pprof -raw TMP/tp.pb.gz") ;; *) continue ;; esac
		args=${cmd#PPROF_BINARY_PATH=/nonexistent go tool pprof -topproto -output=TMP/tp.pb.gz } args=${args%; go tool pprof -raw TMP/tp.pb.gz}
		rm -f "$tmp/tp.pb.gz"
		got=$(cd "$dir" && { eval "PPROF_BINARY_PATH=/nonexistent \"$CORONER\" pprof -topproto -output=\"$tmp/tp.pb.gz\" $args" &&
			"$CORONER" pprof -raw "$tmp/tp.pb.gz"; } 2>&1 | sed "s#$tmp/#TMP/#g")
		if [ "$got" = "$(cat "$dir/expected/$out")" ]; then pass=$((pass+1)); else
			fail=$((fail+1)); echo "FAIL $out (-topproto $args)"
			printf '%s\n' "$got" | diff "$dir/expected/$out" - | head -10
		fi
	done < "$index"
done
echo "$pass passed, $fail failed"
[ "$pass" -gt 0 ] || { echo "SKIP: no reference outputs found"; exit 77; }
[ "$fail" = 0 ]
