#!/bin/sh
# Replays every `go tool pprof -top` command recorded in testdata/*/expected/INDEX
# with `coroner top` and compares the outputs with what pprof printed.
# Text profiles read with a binary by pprof are read without one by coroner:
# there the rows (not the File:/Build ID: header) must match.
set -u
: "${CORONER:?}" "${TESTDATA:?}"
fail=0 pass=0 skip=0 verbatim=0
for index in "$TESTDATA"/*/expected/INDEX "$TESTDATA"/pproffetch/*/expected/INDEX; do
	dir=$(dirname "$(dirname "$index")")
	# the pprof that recorded the outputs: the INDEX's last comment names it
	# ("# recorded with the pprof of go1.23.1"); regen.sh's default is Go 1.19
	rel=$(sed -n 's/^# recorded with the pprof of go\(1\.[0-9]*\).*/\1/p' "$index" | tail -1)
	rel="--pprof-release=${rel:-1.19}"
	while IFS='	' read -r out cmd; do
		case "$out" in '#'*|'') continue ;; esac
		case "$cmd" in "go tool pprof -top "*) ;; *) continue ;; esac
		eval "set -- ${cmd#go tool pprof -top }"
		args="" files="" rowsonly=0
		for a in "$@"; do
			case "$a" in
			-nodefraction=*|-nodecount=*|-unit=*) args="$args --${a#-}" ;;
			-sample_index=*) args="$args --sample-index=${a#-sample_index=}" ;;
			-focus=*|-ignore=*|-hide=*|-show=*|-tagfocus=*|-tagignore=*) args="$args '--${a#-}'" ;;
			-lines|-files|-filefunctions|-addresses) args="$args --granularity=${a#-}" ;;
			-cum) args="$args --cum" ;;
			-diff_base=*) args="$args --diff-base=${a#-diff_base=}" ;;
			-base=*) args="$args --base=${a#-base=}" ;;
			-*) echo "SKIP $out: flag $a not mapped"; skip=$((skip+1)); continue 2 ;;
			*) if [ -f "$dir/$a" ] && ! head -c 4 "$dir/$a" | grep -q ELF; then files="$files $a";
			   else rowsonly=1; fi ;;
			esac
		done
		# a text profile read by pprof without its binary: pprof cannot name
		# frames; coroner's reference is pprof *with* the binary instead
		case "$out" in *nobin*) continue ;; esac
		got=$(cd "$dir" && eval "\"$CORONER\" $rel top $args $files" 2>&1)
		want=$(cat "$dir/expected/$out")
		if [ "$rowsonly" = 1 ]; then
			got=$(printf '%s\n' "$got" | sed -n '/^Showing nodes/,$p')
			want=$(printf '%s\n' "$want" | sed -n '/^Showing nodes/,$p')
		fi
		# and pprof's command line as it is (one-dash pprof spellings)
		if [ "$rowsonly" = 0 ]; then
			got2=$(cd "$dir" && eval "\"$CORONER\" $rel top -top ${cmd#go tool pprof -top }" 2>&1)
			if [ "$got2" = "$want" ]; then verbatim=$((verbatim+1)); else
				fail=$((fail+1)); echo "FAIL $out: pprof's own flags: coroner top -top ${cmd#go tool pprof -top }"
				printf '%s\n' "$got2" | head -5
			fi
		fi
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
# Go's threadcreate text profiles of every release (pprof refuses those
# before Go 1.26, whose records without addresses it cannot parse):
# coroner top reads each, and its total is the file's own "total N"
for f in "$TESTDATA"/pproffetch/*/threadcreate.txt; do
	[ -f "$f" ] || continue
	n=$(sed -n '1s/^threadcreate profile: total \([0-9]*\)$/\1/p' "$f")
	got=$("$CORONER" top "$f" 2>&1)
	case "$got" in *"of $n total"*) pass=$((pass+1)) ;;
	*) fail=$((fail+1)); echo "FAIL coroner top $f: not 'of $n total'"; printf '%s\n' "$got" | head -5 ;; esac
done
echo "$pass passed, $fail failed, $skip skipped; $verbatim also with pprof's flags as written"
[ "$pass" -gt 0 ] || { echo "SKIP: no reference outputs found"; exit 77; }
[ "$fail" = 0 ]
