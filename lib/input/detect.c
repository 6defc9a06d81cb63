/* What an input is, from its content (never its name). Detection reads
 * bytes only: it calls no reader, so every reader may use it. */
#include "coroner/detect.h"
#include "coroner/text.h"

#include <string.h>

const char *cr_kind_name(enum cr_kind k)
{
	switch (k) {
	case CR_KIND_PPROF: return "pprof profile";
	case CR_KIND_HEAP_TEXT: return "heap profile (debug=1)";
	case CR_KIND_GOROUTINE_TEXT: return "goroutine profile (debug=1)";
	case CR_KIND_TRACEBACK: return "goroutine traceback";
	case CR_KIND_OTHER_TEXT_PROFILE: return "legacy text profile";
	case CR_KIND_SMAPS_ROLLUP: return "smaps_rollup";
	case CR_KIND_SMAPS: return "smaps";
	case CR_KIND_MAPS: return "maps";
	case CR_KIND_STATUS: return "status";
	case CR_KIND_MEMORY_STAT: return "memory.stat";
	case CR_KIND_GCTRACE: return "gctrace log";
	case CR_KIND_ELF_CORE: return "ELF core";
	case CR_KIND_ELF_EXEC: return "ELF binary";
	case CR_KIND_CGROUP_FILE: return "cgroup control file";
	case CR_KIND_KERNEL_LOG: return "kernel log";
	case CR_KIND_PERF_SCRIPT: return "perf script output";
	case CR_KIND_FOLDED: return "folded stacks";
	case CR_KIND_NET: return "connection or fd listing";
	case CR_KIND_LEGACY_CPU: return "gperftools CPU profile";
	case CR_KIND_RACE: return "race-detector report";
	case CR_KIND_GO_METRICS: return "Go runtime metrics";
	default: return "unknown";
	}
}

const char *cr_kind_article(enum cr_kind k)
{
	switch (k) {
	case CR_KIND_ELF_CORE: return "an ELF core";
	case CR_KIND_ELF_EXEC: return "an ELF binary";
	case CR_KIND_UNKNOWN: return "an unrecognised file";
	case CR_KIND_PPROF: return "a pprof profile";
	case CR_KIND_HEAP_TEXT: return "a heap profile (debug=1)";
	case CR_KIND_GOROUTINE_TEXT: return "a goroutine profile (debug=1)";
	case CR_KIND_TRACEBACK: return "a goroutine traceback";
	case CR_KIND_OTHER_TEXT_PROFILE: return "a legacy text profile";
	case CR_KIND_SMAPS_ROLLUP: return "an smaps_rollup file";
	case CR_KIND_SMAPS: return "an smaps file";
	case CR_KIND_MAPS: return "a maps file";
	case CR_KIND_STATUS: return "a status file";
	case CR_KIND_MEMORY_STAT: return "a memory.stat file";
	case CR_KIND_GCTRACE: return "a gctrace log";
	case CR_KIND_CGROUP_FILE: return "a cgroup control file";
	case CR_KIND_KERNEL_LOG: return "a kernel log";
	case CR_KIND_PERF_SCRIPT: return "perf script output";
	case CR_KIND_FOLDED: return "folded stacks";
	case CR_KIND_NET: return "a connection or fd listing (see 'coroner net')";
	case CR_KIND_LEGACY_CPU: return "a gperftools CPU profile";
	case CR_KIND_RACE: return "a race-detector report (WARNING: DATA RACE; see 'coroner report')";
	case CR_KIND_GO_METRICS: return "Go runtime metrics (runtime/metrics or a Prometheus /metrics text)";
	default: return "an unrecognised file";
	}
}

/* "hex-hex perms" at the start of a line */
static bool maps_line(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t a;
	if (!cr_parse_hex(s, n, &i, &a) || i >= n || s[i] != '-')
		return false;
	i++;
	if (!cr_parse_hex(s, n, &i, &a) || i >= n || s[i] != ' ')
		return false;
	i++;
	return n - i >= 4 && (s[i] == 'r' || s[i] == '-') && (s[i + 3] == 'p' || s[i + 3] == 's');
}

/* "gc N @" (Go 1.5+), "gcN(P): " (Go <= 1.4), the scavenger's "scvgN: "
 * (Go <= 1.14) and "scav N KiB work" (scavtrace=1, Go 1.15+) */
static bool gctrace_line(const char *s, size_t n)
{
	size_t i = 3;
	uint64_t v;
	if (cr_starts(s, n, "gc ") && cr_parse_u64(s, n, &i, &v) && i + 2 < n && s[i] == ' ' && s[i + 1] == '@')
		return true;
	i = 2;
	if (cr_starts(s, n, "gc") && cr_parse_u64(s, n, &i, &v) && i < n && s[i] == '(' && (i++, cr_parse_u64(s, n, &i, &v)) &&
	    cr_starts(s + i, n - i, "): "))
		return true;
	i = 4;
	if (cr_starts(s, n, "scvg") && (cr_parse_u64(s, n, &i, &v), cr_starts(s + i, n - i, ": ")) &&
	    (cr_starts(s + i, n - i, ": inuse: ") || memmem(s + i, n - i, "B released", 10)))
		return true;
	i = 5;
	return cr_starts(s, n, "scav ") && cr_parse_u64(s, n, &i, &v) && memmem(s + i, n - i, " KiB work", 9);
}

static bool traceback_header(const char *s, size_t n)
{
	size_t i = 10;
	uint64_t v;
	return cr_starts(s, n, "goroutine ") && cr_parse_u64(s, n, &i, &v) && i < n && s[i] == ' ' &&
	       (i + 1 < n && (s[i + 1] == '[' || s[i + 1] == 'g' || s[i + 1] == 'm'));
}

/* "WARNING: DATA RACE" alone on its line (leading blanks allowed): the
 * race detector's report header (coroner/race.h) */
static bool race_header(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return n - i == 18 && memcmp(s + i, "WARNING: DATA RACE", 18) == 0;
}

static bool race_anywhere(const unsigned char *data, size_t len)
{
	const char *d = (const char *)data, *p = d;
	while ((p = memmem(p, len - (size_t)(p - d), "WARNING: DATA RACE", 18))) {
		const char *b = p, *e = p + 18;
		while (b > d && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if ((b == d || b[-1] == '\n') && (e == d + len || *e == '\n' || *e == '\r'))
			return true;
		p = e;
	}
	return false;
}

/* "/NAME:UNIT: " at s: a runtime/metrics name and its value after it */
static bool rm_line(const char *s, size_t n)
{
	if (n < 6 || s[0] != '/' || s[1] < 'a' || s[1] > 'z')
		return false;
	size_t i = 1;
	bool colon = false;
	while (i < n && (s[i] == '/' || s[i] == '-' || s[i] == '_' || s[i] == '.' || s[i] == '*' ||
			 (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || (s[i] == ':' && !colon))) {
		colon |= s[i] == ':';
		i++;
	}
	return colon && i + 1 < n && s[i] == ':' && s[i + 1] == ' ';
}

/* Go runtime metrics (coroner/mem.h): "/gc/heap/goal:bytes: N" lines, a
 * JSON object whose first key is such a name, or a Prometheus text
 * exposition ("# HELP"/"# TYPE" or a sample first) with the Go collector's
 * go_* families in it. */
static bool go_metrics(const unsigned char *data, size_t len)
{
	const char *d = (const char *)data;
	size_t i = 0, lim = len < ((size_t)16 << 20) ? len : ((size_t)16 << 20);
	while (i < lim && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
		i++;
	if (i >= lim)
		return false;
	if (d[i] == '{') {
		i++;
		while (i < lim && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
			i++;
		if (i >= lim || d[i] != '"')
			return false;
		const char *q = memchr(d + i + 1, '"', lim - i - 1 < 256 ? lim - i - 1 : 256);
		if (!q)
			return false;
		char tmp[260];
		size_t kn = (size_t)(q - d) - i - 1;
		memcpy(tmp, d + i + 1, kn);
		memcpy(tmp + kn, ": ", 2);
		return rm_line(tmp, kn + 2);
	}
	const char *e = memchr(d + i, '\n', lim - i);
	size_t n = e ? (size_t)(e - d) - i : lim - i;
	if (rm_line(d + i, n))
		return true;
	if (!cr_starts(d + i, n, "# HELP ") && !cr_starts(d + i, n, "# TYPE ")) {
		/* a sample: name[{labels}] value */
		size_t k = i;
		while (k < i + n && ((d[k] >= 'a' && d[k] <= 'z') || (d[k] >= 'A' && d[k] <= 'Z') || d[k] == '_' ||
				     d[k] == ':' || (k > i && d[k] >= '0' && d[k] <= '9')))
			k++;
		if (k == i || k >= i + n || (d[k] != '{' && d[k] != ' '))
			return false;
	}
	return cr_starts(d + i, lim - i, "# TYPE go_") || cr_starts(d + i, lim - i, "go_") ||
	       memmem(d, lim, "\n# TYPE go_", 11) || memmem(d, lim, "\ngo_memstats_", 13) ||
	       memmem(d, lim, "\ngo_goroutines ", 15) || memmem(d, lim, "\ngo_memory_classes_", 19);
}

/* Is this plausibly a profile.proto message? Walk the top-level fields of
 * the first 64 KiB: every tag must be a known Profile field with its wire type.
 * Once a first length-delimited field is valid (every writer starts with
 * one: Go with sample_type), a later bad field still says "pprof": the
 * reader then reports the offset of the damage (a truncated or corrupt
 * profile) instead of "unrecognised content". */
static bool looks_pprof(const unsigned char *p, size_t n)
{
	size_t i = 0, lim = n < 65536 ? n : 65536;
	int fields = 0;
	bool first_len = false;
	while (i < lim) {
		uint64_t t = 0;
		int shift = 0;
		while (i < n && shift < 64) {
			t |= (uint64_t)(p[i] & 0x7f) << shift;
			shift += 7;
			if (!(p[i++] & 0x80))
				break;
		}
		unsigned f = (unsigned)(t >> 3), wt = (unsigned)(t & 7);
		if (f < 1 || f > 14)
			return fields > 0 && first_len;
		bool len = f <= 6 || f == 11 || (f == 13 && wt == 2);
		if (len) {
			if (wt != 2)
				return fields > 0 && first_len;
			uint64_t l = 0;
			shift = 0;
			while (i < n && shift < 64) {
				l |= (uint64_t)(p[i] & 0x7f) << shift;
				shift += 7;
				if (!(p[i++] & 0x80))
					break;
			}
			if (l > n - i)
				return fields > 0 && first_len;
			i += l;
		} else {
			if (wt != 0)
				return fields > 0 && first_len;
			while (i < n && (p[i] & 0x80))
				i++;
			i++;
		}
		if (fields++ == 0)
			first_len = len;
		/* from here on every way out says "pprof": no need to read on */
		if (first_len)
			return true;
	}
	return fields > 0;
}

int cr_legacy_cpu_format(const unsigned char *data, size_t len, bool *java)
{
	static const int fmts[] = { CR_LCPU_32LE, CR_LCPU_32BE, CR_LCPU_64LE, CR_LCPU_64BE };
	for (size_t f = 0; f < 4; f++) {
		size_t w = f < 2 ? 4 : 8;
		if (len < 5 * w)
			continue;
		uint64_t v[5];
		for (size_t i = 0; i < 5; i++) {
			const unsigned char *d = data + i * w;
			uint64_t x = 0;
			for (size_t b = 0; b < w; b++)
				x = x << 8 | d[(f & 1) ? b : w - 1 - b];
			v[i] = x;
		}
		if (v[0] == 0 && v[1] == 3 && v[2] <= 1 && v[3] > 0 && v[4] == 0) {
			*java = v[2] == 1;
			return fmts[f];
		}
	}
	return CR_LCPU_NONE;
}

enum cr_kind cr_detect_kind(const unsigned char *data, size_t len)
{
	if (len >= 18 && memcmp(data, "\177ELF", 4) == 0) {
		unsigned type = data[5] == 2 ? (unsigned)data[16] << 8 | data[17]
					     : (unsigned)data[17] << 8 | data[16];
		return type == 4 ? CR_KIND_ELF_CORE : CR_KIND_ELF_EXEC;
	}
	if (len == 0)
		return CR_KIND_UNKNOWN;
	size_t probe = len < 4096 ? len : 4096;
	/* a text profile's own header wins over stray binary bytes (NULs in a
	 * damaged dump): its reader reports the line */
	if (cr_starts((const char *)data, len, "heap profile:"))
		return CR_KIND_HEAP_TEXT;
	bool java;
	if (cr_legacy_cpu_format(data, len, &java))
		return CR_KIND_LEGACY_CPU;
	if (!cr_looks_text(data, probe))
		return looks_pprof(data, len) ? CR_KIND_PPROF : CR_KIND_UNKNOWN;
	if (go_metrics(data, len))
		return CR_KIND_GO_METRICS;

	struct cr_lines it;
	const char *s;
	size_t n;
	bool first = true, smaps_keys = false, maps_first = false;
	int status_keys = 0, memstat_keys = 0, lines = 0;
	cr_lines_init(&it, data, len < ((size_t)4 << 20) ? len : ((size_t)4 << 20));
	while (cr_lines_next(&it, &s, &n, 4096, NULL)) {
		if (n == 0)
			continue;
		lines++;
		if (first) {
			first = false;
			if (cr_starts(s, n, "heap profile:"))
				return CR_KIND_HEAP_TEXT;
			if (cr_starts(s, n, "goroutine profile: total") ||
			    cr_starts(s, n, "goroutineleak profile: total"))
				return CR_KIND_GOROUTINE_TEXT;
			if (cr_starts(s, n, "--- contention:") || cr_starts(s, n, "--- mutex:") ||
			    cr_starts(s, n, "--- contentionz ") ||
			    cr_starts(s, n, "threadcreate profile:") || cr_starts(s, n, "--- threadz") ||
			    cr_starts(s, n, "--- Thread ") || cr_starts(s, n, "--- heapz "))
				return CR_KIND_OTHER_TEXT_PROFILE;
			if (maps_line(s, n)) {
				if (n >= 8 && memcmp(s + n - 8, "[rollup]", 8) == 0)
					return CR_KIND_SMAPS_ROLLUP;
				maps_first = true;
			}
		}
		if (traceback_header(s, n))
			return CR_KIND_TRACEBACK;
		if (race_header(s, n))
			return CR_KIND_RACE;
		if (gctrace_line(s, n))
			return CR_KIND_GCTRACE;
		if (maps_first && (cr_starts(s, n, "Rss:") || cr_starts(s, n, "Size:")))
			smaps_keys = true;
		if (cr_starts(s, n, "VmRSS:") || cr_starts(s, n, "Pid:") || cr_starts(s, n, "Name:") ||
		    cr_starts(s, n, "RssAnon:"))
			status_keys++;
		if (cr_starts(s, n, "anon ") || cr_starts(s, n, "file ") || cr_starts(s, n, "cache ") ||
		    cr_starts(s, n, "rss ") || cr_starts(s, n, "total_rss ") || cr_starts(s, n, "kernel_stack "))
			memstat_keys++;
		if (lines > 400 && !maps_first)
			break;
	}
	if (maps_first)
		return smaps_keys ? CR_KIND_SMAPS : CR_KIND_MAPS;
	/* an OOM-killer report may sit anywhere in a long kernel log; `dmesg
	 * -t` has its cgroup stats as bare "rss N" lines, so before memory.stat */
	if (cr_looks_text(data, len < 4096 ? len : 4096) &&
	    cr_kmsg_has_oom(data, len < ((size_t)16 << 20) ? len : ((size_t)16 << 20)))
		return CR_KIND_KERNEL_LOG;
	if (status_keys >= 2)
		return CR_KIND_STATUS;
	if (memstat_keys >= 2)
		return CR_KIND_MEMORY_STAT;
	/* a crash after pages of a service's log, or a dump with a log prefix
	 * (timestamps, "stderr F ") on every line */
	if (cr_looks_text(data, len < 4096 ? len : 4096) &&
	    cr_traceback_anywhere(data, len < ((size_t)16 << 20) ? len : ((size_t)16 << 20)))
		return CR_KIND_TRACEBACK;
	/* a race report after pages of a test's or a service's output */
	if (cr_looks_text(data, len < 4096 ? len : 4096) &&
	    race_anywhere(data, len < ((size_t)16 << 20) ? len : ((size_t)16 << 20)))
		return CR_KIND_RACE;
	return CR_KIND_UNKNOWN;
}

bool cr_kmsg_has_oom(const unsigned char *data, size_t len)
{
	const char *d = (const char *)data;
	return memmem(d, len, "invoked oom-killer:", 19) ||
	       (memmem(d, len, "Killed process ", 15) && memmem(d, len, "total-vm:", 9));
}

bool cr_gheader_parse(const char *s, size_t n, struct cr_gheader *h, bool *complete)
{
	size_t i = strlen("goroutine ");
	uint64_t id;
	if (!cr_starts(s, n, "goroutine ") || !cr_parse_u64(s, n, &i, &id) || i >= n || s[i] != ' ')
		return false;
	size_t lb = i;
	while (lb < n && s[lb] != '[')
		lb++;
	if (lb >= n || lb - i > 256)
		return false;
	/* tokens between id and '[' must look like key=value */
	for (size_t k = i + 1; k < lb; k++)
		if (s[k] != ' ' && s[k] != '=' && !(s[k] >= '0' && s[k] <= '9') &&
		    !(s[k] >= 'a' && s[k] <= 'z') && !(s[k] >= 'A' && s[k] <= 'Z'))
			return false;
	size_t end = n;
	while (end > lb && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	*complete = end >= lb + 3 && s[end - 1] == ':' && s[end - 2] == ']';
	size_t rb = *complete ? end - 2 : end;
	if (!*complete) {
		for (size_t k = end; k > lb; k--)
			if (s[k - 1] == ']') {
				rb = k - 1;
				break;
			}
	}
	h->goid = id > INT64_MAX ? INT64_MAX : (int64_t)id;
	h->has_wait = h->locked = false;
	h->wait = 0;
	/* items separated by ", " */
	size_t a = lb + 1, item = 0;
	while (a <= rb) {
		size_t b = a;
		while (b < rb && !(s[b] == ',' && b + 1 < rb && s[b + 1] == ' '))
			b++;
		if (item == 0) {
			h->state = s + a;
			h->statelen = b - a;
		} else {
			size_t k = a;
			int64_t v;
			if (cr_parse_i64(s, b, &k, &v) && cr_starts(s + k, b - k, " minute")) {
				h->has_wait = true;
				h->wait = v < 0 ? 0 : v;
			} else if (cr_starts(s + a, b - a, "locked to thread")) {
				h->locked = true;
			}
		}
		item++;
		a = b + 2;
	}
	return true;
}

size_t cr_gheader_after_prefix(const char *s, size_t n)
{
	size_t lim = n < CR_LOG_PREFIX_MAX + 1 ? n : CR_LOG_PREFIX_MAX + 1;
	for (size_t c = 1; c < lim; c++) {
		if (s[c] != 'g' || (s[c - 1] != ' ' && s[c - 1] != '\t' && s[c - 1] != ']'))
			continue;
		struct cr_gheader h;
		bool complete;
		memset(&h, 0, sizeof h);
		if (cr_gheader_parse(s + c, n - c, &h, &complete) && complete)
			return c;
	}
	return SIZE_MAX;
}

bool cr_traceback_anywhere(const unsigned char *data, size_t len)
{
	const char *s = (const char *)data;
	for (size_t i = 0; i + 12 < len;) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - s) : len;
		struct cr_gheader h;
		bool complete;
		memset(&h, 0, sizeof h);
		if (e - i > 12 && s[i] == 'g' && cr_gheader_parse(s + i, e - i, &h, &complete) && complete)
			return true;
		if (e - i > 12 && cr_gheader_after_prefix(s + i, e - i) != SIZE_MAX)
			return true; /* in a log with a prefix on every line */
		i = e + 1;
	}
	return false;
}
