# normalise a Go traceback (runtime's or coroner core --all) to lines:
#   G <id> <state>      F <function> <file>:<line>      C <creator> <file>:<line>
# (Go 1.22+ put "gp=0x... m=N mp=0x..." or "m=nil" before the state when
# GOTRACEBACK is system or crash, and print runtime.gopanic as "panic")
/^goroutine [0-9]+ (gp=[^ ]+ m=[^ ]+ (mp=[^ ]+ )?)?\[/ {
	id = $2; st = $0; sub(/^goroutine [0-9]+ (gp=[^ ]+ m=[^ ]+ (mp=[^ ]+ )?)?\[/, "", st); sub(/\]:$/, "", st)
	print "G " id " " st; ing = 1; want = 0; next
}
ing && /^created by / { c = $0; sub(/^created by /, "", c); sub(/ in goroutine [0-9]+$/, "", c); cr = 1; next }
ing && /^[ \t]+[^ \t]/ {
	loc = $1
	if (cr) { print "C " c " " loc; cr = 0 } else if (want) { print "F " fn " " loc; want = 0 }
	next
}
ing && /^[^ \t].*\)$/ { fn = $0; sub(/\([^(]*\)$/, "", fn); if (fn == "panic") fn = "runtime.gopanic"; want = 1; next }
/^$/ { ing = 0 }
