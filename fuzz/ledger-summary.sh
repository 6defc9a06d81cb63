#!/bin/sh
# Sums fuzz/cpu-ledger.tsv per target: CPU seconds over every session (the
# issue's goal is 3600 each), this ledger's runs, executions, failing runs.
# usage: fuzz/ledger-summary.sh [GOAL]   (markdown table on stdout)
goal=${1:-3600}
ledger=$(dirname "$0")/cpu-ledger.tsv
# every target of fuzz/meson.build, in its order, fuzzed or not yet
targets=$(sed -n "/^fuzz_targets = \[/,/^]/s/^  '\([a-z0-9-]*\)',.*/\1/p" "$(dirname "$0")/meson.build")
awk -F'\t' -v goal="$goal" -v targets="$targets" '
	BEGIN { k = split(targets, tl, "\n"); for (i = 1; i <= k; i++) { order[n++] = tl[i]; cpu[tl[i]] = 0 } }
	/^#/ { next }
	{
		if (!($1 in cpu)) order[n++] = $1
		cpu[$1] += $4
		if ($2 == "prior-session") { prior[$1] += $4; next }
		runs[$1]++; execs[$1] += $5; now[$1] += $4
		if ($6 != 0 && $6 != 72) bad[$1]++ # 72: interrupted (SIGINT), not a failure
	}
	END {
		print "| target | CPU s (all sessions) | of which before this ledger | runs logged | executions logged | failing runs | goal met |"
		print "|---|---|---|---|---|---|---|"
		for (i = 0; i < n; i++) {
			t = order[i]
			printf "| %s | %d | %d | %d | %.2fM | %d | %s |\n", t, cpu[t], prior[t], runs[t], execs[t] / 1e6, bad[t],
				(cpu[t] >= goal ? "yes" : sprintf("no (%d%%)", 100 * cpu[t] / goal))
			tot += cpu[t]
		}
		printf "\nTotal: %.1f CPU-hours over %d targets (goal: %.1f).\n", tot / 3600, n, n * goal / 3600
	}' "$ledger"
