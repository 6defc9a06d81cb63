# normalise a Go traceback (runtime's or coroner core --all) to lines:
#   G <id> <state>      F <function> <file>:<line>      C <creator> <file>:<line>
/^goroutine [0-9]+ \[/ {
	id = $2; st = $0; sub(/^goroutine [0-9]+ \[/, "", st); sub(/\]:$/, "", st)
	print "G " id " " st; ing = 1; want = 0; next
}
ing && /^created by / { c = $0; sub(/^created by /, "", c); sub(/ in goroutine [0-9]+$/, "", c); cr = 1; next }
ing && /^[ \t]+[^ \t]/ {
	loc = $1
	if (cr) { print "C " c " " loc; cr = 0 } else if (want) { print "F " fn " " loc; want = 0 }
	next
}
ing && /^[^ \t].*\)$/ { fn = $0; sub(/\([^(]*\)$/, "", fn); want = 1; next }
/^$/ { ing = 0 }
