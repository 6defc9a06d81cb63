# A reference folding of `perf script` text, written from perf script's
# format alone: each sample's frames (leaf first, one per line after the
# header) become "root;...;leaf COUNT"; a frame's symbol loses its
# "+0xOFF" and Go's ".abi0"; without -g the header's own ip/symbol is the
# one frame. Prints one line per distinct stack; sort the output to compare.
function flush() {
	if (!open) return
	s = ""
	for (i = n; i >= 1; i--) s = s (s == "" ? "" : ";") f[i]
	if (n) count[s]++
	open = 0; n = 0
}
function sym(line,   a, k, m) {
	# IP SYM+OFF (DSO)
	sub(/^[ \t]+/, "", line)
	sub(/^[0-9a-fA-F]+[ \t]+/, "", line)
	sub(/[ \t]+\([^()]*\)[ \t]*$/, "", line)
	sub(/\+0x[0-9a-fA-F]+$/, "", line)
	sub(/\.abi0$/, "", line)
	gsub(/;/, ":", line)
	return line
}
/^[ \t]*$/ { flush(); next }
{
	hdr = 0
	for (k = 2; k <= NF && k <= 8; k++) if ($k ~ /^[0-9]+\.[0-9]+:$/) { hdr = k; break }
	if (hdr) {
		flush(); open = 1
		# the event is the first token ending in ':' after the time (and period)
		for (k = hdr + 1; k <= NF; k++) if ($k ~ /:$/) break
		if (k < NF) {
			rest = $0
			# drop everything up to the event token
			for (j = 1; j <= k; j++) { p = index(rest, $j); rest = substr(rest, p + length($j)) }
			f[++n] = sym(rest)
		}
		next
	}
	if (open) f[++n] = sym($0)
}
END { flush(); for (s in count) print s, count[s] }
