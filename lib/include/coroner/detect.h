/* What an input is, from its content (never its name): the input layer's
 * detection. It reads bytes only and calls no reader, so the readers above
 * (profile, mem, binary) all dispatch on it.
 */
#ifndef CORONER_DETECT_H
#define CORONER_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an input looks like, from its content. */
enum cr_kind {
	CR_KIND_UNKNOWN,
	CR_KIND_PPROF,          /* profile.proto (after decompression) */
	CR_KIND_HEAP_TEXT,      /* heap profile: N: N [N: N] @ heap/R */
	CR_KIND_GOROUTINE_TEXT, /* goroutine profile: total N (also the goroutine leak
				 * profile's "goroutineleak profile: total N") */
	CR_KIND_TRACEBACK,      /* goroutine N [state]: ... */
	CR_KIND_OTHER_TEXT_PROFILE, /* other legacy text profiles (--- contention:, ...) */
	CR_KIND_SMAPS_ROLLUP, CR_KIND_SMAPS, CR_KIND_MAPS, CR_KIND_STATUS, CR_KIND_MEMORY_STAT,
	CR_KIND_GCTRACE,
	CR_KIND_ELF_CORE, CR_KIND_ELF_EXEC,
	CR_KIND_CGROUP_FILE,    /* memory.max, memory.events, ...: by name only (never detected) */
	CR_KIND_KERNEL_LOG,     /* dmesg / journalctl -k / kern.log with an OOM-killer report */
	CR_KIND_PERF_SCRIPT, CR_KIND_FOLDED, /* perf script text, folded stacks (coroner/perf.h) */
	CR_KIND_NET,            /* limits, fd listing, socket tables, ss/netstat/lsof (coroner/net.h) */
	CR_KIND_LEGACY_CPU,     /* gperftools (or Java agent) binary CPU profile */
	CR_KIND_RACE,           /* race-detector reports: WARNING: DATA RACE (coroner/race.h) */
	CR_KIND_GO_METRICS,     /* runtime/metrics: a Go service's Prometheus /metrics text,
				 * "/NAME:UNIT: VALUE" lines or a JSON object of them (coroner/mem.h) */
};
enum cr_kind cr_detect_kind(const unsigned char *data, size_t len);

/* A gperftools CPU profile's header: five words 0, 3, 0 (C++) or 1 (Java),
 * the period (> 0), 0; words of 4 or 8 bytes in either byte order, tried
 * in pprof's order (32-bit little endian, 32-bit big endian, 64-bit little,
 * 64-bit big). Returns the word format (CR_LCPU_NONE if none); *java says
 * which agent wrote it. */
enum { CR_LCPU_NONE, CR_LCPU_32LE, CR_LCPU_32BE, CR_LCPU_64LE, CR_LCPU_64BE };
int cr_legacy_cpu_format(const unsigned char *data, size_t len, bool *java);
const char *cr_kind_name(enum cr_kind k);
/* The kind with its article, for messages: "an ELF core", "a pprof profile". */
const char *cr_kind_article(enum cr_kind k);

/* Does a text hold a complete traceback header ("goroutine N [...]:") at the
 * start of any line, or after a log prefix (a timestamp, "stderr F ", ...)?
 * (cr_detect_kind reads the first lines only; a crash in a service log may
 * come after pages of output.) The traceback reader strips such a prefix
 * from every line that has one, with a warning. */
bool cr_traceback_anywhere(const unsigned char *data, size_t len);

/* Does this text hold an OOM-killer report? */
bool cr_kmsg_has_oom(const unsigned char *data, size_t len);

/* A goroutine header, "goroutine N [state, N minutes, locked to thread]:",
 * with optional "gp=0x... m=N mp=0x..." tokens before '[' (Go 1.21+).
 * state points into the line. */
struct cr_gheader {
	int64_t goid;
	const char *state; size_t statelen; /* the first item in [...]; left alone if none */
	int64_t wait;                       /* minutes, when has_wait */
	bool has_wait, locked;
};
/* Parse one line (no newline) as a header: false if it is not one.
 * *complete: the line ends in "]:" (else the header is cut short). */
bool cr_gheader_parse(const char *s, size_t n, struct cr_gheader *h, bool *complete);

/* Longest log prefix (timestamps, "stderr F ", ...) before a header. */
#define CR_LOG_PREFIX_MAX 96
/* Column of a complete header after a prefix of 1 to CR_LOG_PREFIX_MAX
 * bytes that ends in a space, tab or ']' (SIZE_MAX if none). */
size_t cr_gheader_after_prefix(const char *s, size_t n);

#endif
