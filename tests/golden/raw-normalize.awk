# Turns `go tool pprof -raw` output into one line per sample:
#   values | frames (function@file:line, inlined frames joined with +) | labels
# so that two profiles can be compared regardless of their ids and order.
/^Samples:/ { sec = "s"; getline; next }
/^Locations/ { sec = "l"; next }
/^Mappings/ { sec = "m"; next }
sec == "s" && /^ *-?[0-9]+( +-?[0-9]+)*: / {
	n++
	i = index($0, ":")
	v = substr($0, 1, i - 1); gsub(/ +/, " ", v); sub(/^ /, "", v)
	vals[n] = v; ids[n] = substr($0, i + 1); next
}
sec == "s" && NF { l = $0; gsub(/^ +| +$/, "", l); labs[n] = labs[n] " " l; next }
sec == "l" && /^ *[0-9]+: / { id = $1; sub(/:$/, "", id); last = id; loc[id] = $4 "@" $5; next }
sec == "l" && NF >= 2 && $1 !~ /^[0-9]+:$/ { loc[last] = loc[last] "+" $1 "@" $2; next }
END {
	for (s = 1; s <= n; s++) {
		k = split(ids[s], a, " "); f = ""
		for (j = 1; j <= k; j++) f = f (j > 1 ? ";" : "") loc[a[j]]
		print vals[s] " | " f " |" labs[s]
	}
}
