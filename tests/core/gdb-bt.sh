# Sourced by core-c.sh and core-c-arm64.sh: gdb's `thread apply all bt`
# and coroner's JSON, each as one line per thread: the thread id, then its
# frames innermost first up to main, as function names (gdb_stacks,
# our_stacks) or FILE:LINE (gdb_lines, our_lines; "-" where there is none).
# Set by the caller: skip (gdb's made-up tail-call frames, left out of
# gdb's side), noline (functions whose line gdb gives differently), ren
# ("ours gdb's" name pairs), skip_addressed_only (leave out a skip frame
# only where gdb prints it with an address: elsewhere it is a real inlined
# frame) and gdb_reverse (gdb's threads in the reverse of its order).

# gdb's frames of each thread; $2: "names" or "lines"
gdb_frames() {
	awk -v skip="${skip:-}" -v noline="${noline:-}" -v addronly="${skip_addressed_only:-}" -v what="$2" '
	BEGIN { n = split(skip, s, " "); for (i = 1; i <= n; i++) drop[s[i]] = 1
		n = split(noline, s, " "); for (i = 1; i <= n; i++) nol[s[i]] = 1 }
	/^Thread [0-9]+ .*\(LWP [0-9]+\)\):$/ { if (t != "") print t names; t = $0; sub(/.*\(LWP /, "", t); sub(/\).*/, "", t); names = ""; done = 0; next }
	t != "" && /^#[0-9]+ / { if (done) next; fn = $0; sub(/^#[0-9]+ +/, "", fn); phys = sub(/^0x[0-9a-f]+ in /, "", fn)
		sub(/ \(.*$/, "", fn); sub(/\(\)$/, "", fn); gsub(/ /, "", fn)
		v = fn
		if (what == "lines") { v = "-"; if (match($0, / at [^ ]+:[0-9]+$/) && !(fn in nol)) v = substr($0, RSTART + 4) }
		if (!(fn in drop) || (addronly && !phys)) names = names " " v; if (fn == "main") done = 1 }
	END { if (t != "") print t names }' "$1" |
	if [ -n "${gdb_reverse:-}" ]; then awk '{ l[NR] = $0 } END { for (i = NR; i >= 1; i--) print l[i] }'; else cat; fi
}
gdb_stacks() { gdb_frames "$1" names; }
gdb_lines() { gdb_frames "$1" lines; }
our_stacks() {
	jq -r '.threads[] | .tid as $t | .frames[] | "\($t)\t\(if .signal_frame then "<signal handler called>" else .function end)"' "$1" | c++filt |
	awk -F '\t' -v ren="${ren:-}" 'BEGIN { n = split(ren, r, " "); for (i = 1; i < n; i += 2) to[r[i]] = r[i + 1] }
	function noret(f,   i, c, d, cut) { # drop the return type c++filt prints for a template function (gdb does not)
		d = 0; cut = 0
		for (i = 1; i <= length(f); i++) { c = substr(f, i, 1)
			if (c == "<") d++; else if (c == ">") d--; else if (c == " " && d == 0) cut = i }
		return substr(f, cut + 1) }
	{ fn = $2; sub(/\(.*$/, "", fn); sub(/@.*$/, "", fn); fn = noret(fn); gsub(/ /, "", fn); if (fn in to) fn = to[fn]
	  if ($1 != t) { if (t != "") print out; t = $1; out = t; done = 0 }
	  if (!done) out = out " " fn; if (fn == "main") done = 1 }
	END { if (t != "") print out }'
}
our_lines() {
	jq -r '.threads[] | .tid as $t | .frames[] | "\($t)\t\(.function)\t\(if .file then "\(.file):\(.line)" else "-" end)"' "$1" |
	awk -F '\t' '{ if ($1 != t) { if (t != "") print out; t = $1; out = t; done = 0 }
	  if (!done) out = out " " $3; if ($2 == "main") done = 1 }
	END { if (t != "") print out }'
}
