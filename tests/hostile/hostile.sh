#!/bin/sh
# Replays tests/hostile/CASES through the CLI: each hostile input must give
# its expected exit code and stderr message, never a signal or a hang, and
# never put control bytes on the terminal. See CASES for the columns.
set -u
: "${CORONER:?}" "${TESTDATA:?}" "${TESTS:?}"
C=$TESTS/hostile/cases
TD=$TESTDATA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/dir"
# ASan reserves terabytes of address space: no ulimit -v under it
asan=0
if grep -q __asan_init "$CORONER" 2>/dev/null; then asan=1; fi

pass=0 fail=0
bad() { echo "FAIL $name: $*"; fail=$((fail + 1)); ok=0; }
tab=$(printf '\t')
while IFS="$tab" read -r name want_rc want_err out args; do
	case "$name" in '#'*|'') continue ;; esac
	ok=1
	fifo_pid=
	case "$args" in
	*@DIR*) args=$(printf '%s' "$args" | sed "s|@DIR|$tmp/dir|") ;;
	esac
	case "$args" in
	*@FIFO:*)
		src=$(printf '%s' "$args" | sed 's|.*@FIFO:\([^ ]*\).*|\1|')
		src=$(eval "printf '%s' \"$src\"")
		rm -f "$tmp/fifo"; mkfifo "$tmp/fifo"
		cat "$src" > "$tmp/fifo" &
		fifo_pid=$!
		args=$(printf '%s' "$args" | sed "s|@FIFO:[^ ]*|$tmp/fifo|")
		;;
	esac
	(
		[ "$asan" = 1 ] || ulimit -v 4000000
		eval "exec timeout 20 \"\$CORONER\" $args" >"$tmp/out" 2>"$tmp/err"
	)
	rc=$?
	[ -n "$fifo_pid" ] && { kill "$fifo_pid" 2>/dev/null; wait "$fifo_pid" 2>/dev/null; }
	if [ "$rc" = 124 ]; then
		bad "hang (killed after 20 s)"
	elif [ "$rc" -gt 128 ]; then
		bad "killed by signal $((rc - 128))"
	elif [ "$rc" != "$want_rc" ]; then
		bad "exit $rc, want $want_rc"
	fi
	if [ "$rc" != 0 ]; then
		if [ ! -s "$tmp/err" ]; then
			bad "exit $rc with nothing on stderr"
		elif grep -qv '^coroner' "$tmp/err"; then
			# usage errors add a "(see 'coroner CMD --help')" line
			if grep -v '^coroner' "$tmp/err" | grep -qv "^(see 'coroner"; then
				bad "stderr lines not from coroner"
			fi
		fi
	fi
	if [ "$want_err" != - ] && ! grep -qF -- "$want_err" "$tmp/err"; then
		bad "stderr lacks '$want_err'"
	fi
	# control bytes other than \t and \n on stdout or stderr
	if LC_ALL=C grep -q '[[:cntrl:]]' "$tmp/out" "$tmp/err" 2>/dev/null &&
	   [ -n "$(LC_ALL=C tr -d '\t\n' < "$tmp/out" | LC_ALL=C tr -d '[:print:]' | head -c 1)$(LC_ALL=C tr -d '\t\n' < "$tmp/err" | LC_ALL=C tr -d '[:print:]' | head -c 1)" ]; then
		bad "control bytes on the terminal"
	fi
	case "$out" in
	-) ;;
	has:*)
		grep -qF -- "${out#has:}" "$tmp/out" || bad "stdout lacks '${out#has:}'"
		;;
	rows:*)
		ref=$(eval "printf '%s' \"${out#rows:}\"")
		sed -n '/^Showing nodes/,$p' "$ref" > "$tmp/want"
		sed -n '/^Showing nodes/,$p' "$tmp/out" > "$tmp/got"
		if [ ! -s "$tmp/want" ] || ! cmp -s "$tmp/want" "$tmp/got"; then
			bad "rows differ from $ref"
			diff -u "$tmp/want" "$tmp/got" | head -10
		fi
		;;
	esac
	if [ "$ok" = 1 ]; then
		pass=$((pass + 1))
	else
		sed 's/^/  stderr: /' "$tmp/err" | head -3
	fi
done < "$TESTS/hostile/CASES"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
