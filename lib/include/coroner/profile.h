/* The profile model: every source that has stacks becomes a struct
 * cr_profile (pprof protobuf, Go's text heap profile, goroutine dumps,
 * goroutines read from a core), so top, diff, filters, flame and the writer
 * work on all of them alike.
 *
 * Index-based: samples refer to locations by index, locations to lines, lines
 * to functions by index+1 (0 = none); strings are interned (id 0 = "").
 * The profile owns everything; cr_profile_release() frees it all. Stacks are
 * leaf first (as in profile.proto). Arrays grow by doubling: no malloc per
 * sample.
 */
#ifndef CORONER_PROFILE_H
#define CORONER_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coroner/detect.h" /* enum cr_kind, for the readers' callers */
#include "coroner/error.h"
#include "coroner/util.h"

struct cr_valuetype {
	uint32_t type, unit; /* string ids */
};

struct cr_label {
	uint32_t key, str; /* str = 0 for numeric labels */
	int64_t num;
	uint32_t num_unit;
};

struct cr_line {
	uint32_t function; /* index+1 into functions; 0 = none */
	int64_t line;
};

struct cr_location {
	uint64_t id;       /* as in the source (pprof ids); index+1 when synthesized */
	uint64_t address;
	uint32_t mapping;  /* index+1 into mappings; 0 = none */
	uint32_t line_start, nlines; /* into lines[]; innermost (inlined) first */
	bool is_folded;
};

struct cr_function {
	uint64_t id;
	uint32_t name, system_name, filename; /* string ids */
	int64_t start_line;
};

struct cr_mapping {
	uint64_t id, start, limit, offset;
	uint32_t filename, build_id;
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct cr_sample {
	uint32_t loc_start, nloc;     /* into stack[] */
	uint32_t label_start, nlabel; /* into labels[] */
};

/* What kind of source the profile came from. */
enum cr_profile_source {
	CR_SRC_PPROF,         /* profile.proto */
	CR_SRC_HEAP_TEXT,     /* Go heap profile, debug=1 */
	CR_SRC_GOROUTINE_TEXT,/* goroutine profile, debug=1 */
	CR_SRC_TRACEBACK,     /* debug=2 / panic / SIGQUIT tracebacks */
	CR_SRC_CORE,          /* goroutines read from a core */
	CR_SRC_OTHER,
};

/* A named counter kept from a source (e.g. the `# runtime.MemStats` block
 * of a debug=1 heap profile: "HeapInuse" -> bytes). */
struct cr_kv {
	uint32_t key; /* string id */
	int64_t value;
};

struct cr_profile {
	struct cr_strtab str;
	enum cr_profile_source source;
	const char *name; /* file name for messages (not owned) */

	struct cr_valuetype *types; size_t ntypes, cap_types;
	uint32_t default_type;    /* string id; 0 = unset */
	struct cr_valuetype period_type;
	bool period_type_empty;   /* an empty period type is there (pprof's Java heap profiles) */
	int64_t period, time_nanos, duration_nanos;
	uint32_t *comments; size_t ncomments, cap_comments;
	uint32_t drop_frames, keep_frames;

	struct cr_sample *samples; size_t nsamples, cap_samples;
	int64_t *values;       size_t cap_values;   /* nsamples * ntypes */
	uint32_t *stack;       size_t nstack, cap_stack; /* location indices */
	struct cr_label *labels; size_t nlabels, cap_labels;

	struct cr_location *locations; size_t nlocations, cap_locations;
	struct cr_line *lines; size_t nlines, cap_lines;
	struct cr_function *functions; size_t nfunctions, cap_functions;
	struct cr_mapping *mappings; size_t nmappings, cap_mappings;

	struct cr_kv *extra; size_t nextra, cap_extra; /* MemStats and the like */

	/* dedup maps used by the builder helpers below (lazily created) */
	struct cr_hmap fmap, lmap;

	/* set before reading: decode on the calling thread alone (its caller
	 * already reads files on every core) */
	bool one_thread;
	/* set before reading: the parts of each sample the caller will not
	 * look at (CR_LEAVE_*). A reader may check them and not keep them:
	 * the samples then have no locations, or no labels. The labels of a
	 * profile that may mark a diff's base samples (pprof::base) are kept,
	 * and CR_LEAVE_LABELS cleared. */
	unsigned char leave_out;
};

enum { CR_LEAVE_STACKS = 1, CR_LEAVE_LABELS = 2 };

/* Set (before reading) by `coroner pprof`: Go's debug=1 text profiles
 * (heap, goroutine, threadcreate, contention) are read as pprof parses
 * them, each pc of a record a location of its own with no name, instead of
 * named from the `#` comment lines as the binary would name them. */
extern bool cr_profile_addresses_only;

/* On failure (CR_NOMEM) nothing is held: no release needed. */
enum cr_err cr_profile_init(struct cr_profile *p);
void cr_profile_release(struct cr_profile *p);

/* Convenience accessors. */
static inline const char *cr_profile_str(const struct cr_profile *p, uint32_t id)
{
	return cr_strtab_get(&p->str, id);
}
static inline const int64_t *cr_sample_values(const struct cr_profile *p, size_t i)
{
	return p->values ? &p->values[i * p->ntypes] : NULL; /* NULL: no sample types */
}
/* The first sample from *i on whose value of type si is not zero, with that
 * value in *v; NULL past the last. *i is left at the sample's index, so
 *   for (size_t i = 0; (s = cr_sample_next(p, si, &i, &v)) != NULL; i++)
 * walks the samples a report counts. */
static inline const struct cr_sample *cr_sample_next(const struct cr_profile *p, int si, size_t *i, int64_t *v)
{
	for (; *i < p->nsamples; (*i)++)
		if ((*v = p->values[*i * p->ntypes + (size_t)si]) != 0)
			return &p->samples[*i];
	return NULL;
}
/* Name of the function of line l ("" if none). */
const char *cr_line_function_name(const struct cr_profile *p, const struct cr_line *l);
const char *cr_line_file_name(const struct cr_profile *p, const struct cr_line *l);

/* ---- building (readers, merges, core export) ----
 * All return CR_OK or CR_NOMEM/CR_LIMIT; ids returned are UINT32_MAX on error. */
uint32_t cr_profile_intern(struct cr_profile *p, const char *s, size_t len);
/* The same for bytes that may hold NULs (an input's strings): each NUL is
 * stored as C0 80 so it stays visible (cr_escape shows it). */
uint32_t cr_profile_intern_bytes(struct cr_profile *p, const char *s, size_t len);
static inline uint32_t cr_profile_intern_z(struct cr_profile *p, const char *s)
{
	return cr_profile_intern(p, s, __builtin_strlen(s));
}
enum cr_err cr_profile_add_type(struct cr_profile *p, const char *type, const char *unit);
/* Function by (name, filename), deduplicated; returns index+1. */
uint32_t cr_profile_function(struct cr_profile *p, const char *name, const char *file,
			     int64_t start_line);
/* Append a function without dedup (readers and transforms that keep their
 * own map); returns its index+1, UINT32_MAX when out of memory. */
uint32_t cr_profile_add_function(struct cr_profile *p, const struct cr_function *f);
/* Location for a single (function, line) frame list, deduplicated by
 * (address, lines); lines innermost first. Returns the location index. */
uint32_t cr_profile_location(struct cr_profile *p, uint64_t address, uint32_t mapping,
			     const struct cr_line *lines, size_t nlines);
/* Append a location without dedup (readers that carry their own ids). */
uint32_t cr_profile_add_location(struct cr_profile *p, uint64_t id, uint64_t address,
				 uint32_t mapping, const struct cr_line *lines, size_t nlines);
/* Append a sample: stack = location indices leaf first; values has ntypes
 * entries; labels may be NULL. */
enum cr_err cr_profile_add_sample(struct cr_profile *p, const uint32_t *stack, size_t nstack,
				  const int64_t *values, const struct cr_label *labels,
				  size_t nlabels);
enum cr_err cr_profile_add_extra(struct cr_profile *p, const char *key, int64_t value);
/* Value of an extra counter; false if absent. */
bool cr_profile_extra(const struct cr_profile *p, const char *key, int64_t *value);
/* Label value (string) of sample i for key; NULL if absent. */
const char *cr_sample_label(const struct cr_profile *p, size_t i, const char *key);
bool cr_sample_numlabel(const struct cr_profile *p, size_t i, const char *key, int64_t *v);

/* ---- sample types ---- */
/* Index of the sample type named by s: a name ("inuse_space"), a number,
 * or pprof's legacy spellings; -1 if none. NULL/"" = the default index
 * (default_sample_type, else the last type, as pprof). */
int cr_profile_sample_index(const struct cr_profile *p, const char *s);

/* ---- reading ---- */
/* cr_detect_kind() and the kinds only the readers tell apart (net and fd
 * listings, perf script text, folded stacks), in the order the readers
 * claim them: what every caller that routes a file to a reader asks. */
enum cr_kind cr_kind_of(const unsigned char *data, size_t len);
/* Parse a decompressed pprof protobuf. name is used in messages. */
enum cr_err cr_profile_read_pprof(struct cr_profile *p, const unsigned char *data, size_t len,
				  const char *name, struct cr_error *e);
/* Parse Go's debug=1 heap profile text (with pprof's unsampling and the
 * `#` symbol comments; the MemStats block goes to p->extra). */
enum cr_err cr_profile_read_heap_text(struct cr_profile *p, const unsigned char *data,
				      size_t len, const char *name, struct cr_error *e);

/* pprof's unsampling of a heap record (scaleHeapSample): count and size
 * scaled by 1/(1-exp(-avg/rate)), saturating at INT64 limits. */
void cr_heap_unsample(int64_t *count, int64_t *size, int64_t rate);

/* Reader registry: goroutine text readers live in lib/profile/goroutine*.c
 * and are dispatched from cr_profile_read(). Warnings (skipped lines) are
 * appended to *warn (may be NULL) one per line. */
enum cr_err cr_profile_read_goroutine_text(struct cr_profile *p, const unsigned char *data,
					   size_t len, const char *name, struct cr_buf *warn,
					   struct cr_error *e);
enum cr_err cr_profile_read_traceback(struct cr_profile *p, const unsigned char *data,
				      size_t len, const char *name, struct cr_buf *warn,
				      struct cr_error *e);
/* Go's debug=1 mutex and block profiles ("--- mutex:", "--- contention:")
 * and C++ contentionz text, as pprof's legacy parser reads them: sample
 * types contentions/count and delay/nanoseconds, values unsampled by the
 * sampling period, cycles turned into nanoseconds by cycles/second; the
 * `#` frame lines name the addresses as in the debug=1 goroutine profile. */
enum cr_err cr_profile_read_contention(struct cr_profile *p, const unsigned char *data, size_t len,
				       const char *name, struct cr_buf *warn, struct cr_error *e);
/* Is this the first line of one of them? */
bool cr_contention_header(const char *s, size_t n);

/* Legacy profiles (lib/profile/legacy.c), read as pprof's legacy parser
 * reads them, the memory map at their end giving the mappings:
 * gperftools CPU profiles, binary (samples/count, cpu/nanoseconds; the
 * Java agent's too, its frames named by the lines after the records); */
enum cr_err cr_profile_read_legacy_cpu(struct cr_profile *p, const unsigned char *data, size_t len,
				       const char *name, struct cr_buf *warn, struct cr_error *e);
/* threadz text ("--- threadz 1 ---"; thread/count, one per thread); */
enum cr_err cr_profile_read_threadz(struct cr_profile *p, const unsigned char *data, size_t len,
				    const char *name, struct cr_buf *warn, struct cr_error *e);
/* Java heapz and contentionz text ("format = java", "resolution = ..."):
 * inuse_objects/inuse_space unsampled at 512 KiB, or contentions/delay
 * times the sampling period. */
enum cr_err cr_profile_read_java(struct cr_profile *p, const unsigned char *data, size_t len,
				 const char *name, struct cr_buf *warn, struct cr_error *e);
/* Is this a Java heapz or contentionz text (not a C++ contentionz one)? */
bool cr_java_text_profile(const unsigned char *data, size_t len);
/* A file holding several dumps of one process (goroutine ids repeat: each
 * repeat starts the next dump): cr_profile_read_traceback reads the last
 * and sets p->extra "dumps" to their number; this reads dump `which`
 * (0 = the first; SIZE_MAX = the last, with the warning). */
enum cr_err cr_profile_read_traceback_dump(struct cr_profile *p, const unsigned char *data,
					   size_t len, const char *name, size_t which,
					   struct cr_buf *warn, struct cr_error *e);

/* Open a file (path or "-"), decompress, detect and parse any profile kind.
 * Returns CR_UNSUPPORTED with a message if the file is not a profile. */
enum cr_err cr_profile_load(struct cr_profile *p, const char *path, struct cr_buf *warn,
			    struct cr_error *e);
/* cr_profile_load on the calling thread alone, for a caller that reads
 * files on every core: no inflating or decoding thread, and a regular file
 * under a megabyte is read into *scratch (kept for the next file: no
 * mapping to set up and tear down per file). */
enum cr_err cr_profile_load_here(struct cr_profile *p, const char *path, struct cr_buf *scratch,
				 struct cr_buf *warn, struct cr_error *e);
/* cr_profile_load_here in steps, for a caller that looks at a file's bytes
 * before it reads them as a profile: cr_profile_read_small reads a regular
 * file of 1 byte to a megabyte whole into *scratch (false for any other
 * path, or one that changed while read: cr_profile_load_here reads it
 * another way); cr_profile_input_small decompresses them as
 * cr_profile_load_here does (the data may point into scratch: keep it
 * until cr_input_close); cr_profile_parse_here reads the profile. */
struct cr_input;
bool cr_profile_read_small(const char *path, struct cr_buf *scratch);
enum cr_err cr_profile_input_small(struct cr_input *in, const char *path, const struct cr_buf *scratch,
				   struct cr_error *e);
enum cr_err cr_profile_parse_here(struct cr_profile *p, const struct cr_input *in, struct cr_buf *warn,
				  struct cr_error *e);
/* The same on bytes already in memory (fuzzers, report). */
enum cr_err cr_profile_parse(struct cr_profile *p, const unsigned char *data, size_t len,
			     const char *name, struct cr_buf *warn, struct cr_error *e);

/* ---- writing ---- */
/* Encode p as profile.proto (uncompressed) into a new cr_malloc'd buffer. */
enum cr_err cr_profile_encode_pprof(const struct cr_profile *p, unsigned char **out, size_t *outlen,
				    struct cr_error *e);
/* Write p gzip-compressed to path ("-" = stdout), as pprof writes .pb.gz. */
enum cr_err cr_profile_write_pprof(const struct cr_profile *p, const char *path, struct cr_error *e);

/* Cross-check: unpack with protobuf-c (over the accounted allocator) and
 * count what the message holds; tests compare it with our own reader. */
struct cr_pbc_stats {
	size_t nsamples, nlocations, nfunctions, nmappings, nstrings, ntypes;
	int64_t sums[8]; /* per sample type, first 8 */
};
enum cr_err cr_pprof_pbc_stats(const unsigned char *data, size_t len, struct cr_pbc_stats *st,
			       struct cr_error *e);

/* ---- transforms ---- */
/* Append src's samples to dst (types must match in name and unit, else
 * CR_FORMAT with a message). Functions/locations are re-interned. */
enum cr_err cr_profile_merge(struct cr_profile *dst, const struct cr_profile *src,
			     struct cr_error *e);
/* Many merges into one dst: the samples dst holds are summed and indexed
 * once, at init, so each cr_merger_add costs src's size only (dst must not
 * be changed otherwise in between). cr_profile_merge is init+add+release. */
struct cr_merge_slot;
struct cr_merger {
	struct cr_profile *dst;
	/* private */
	struct cr_merge_slot *slots; /* dst's samples by (stack, labels) */
	size_t cap, n;
	struct cr_merge_slot *lslots; /* dst's locations by content */
	size_t lcap, ln;
	struct cr_merge_slot *fslots; /* dst's functions by name and file */
	size_t fcap, fn;
};
enum cr_err cr_merger_init(struct cr_merger *m, struct cr_profile *dst, struct cr_error *e);
enum cr_err cr_merger_add(struct cr_merger *m, const struct cr_profile *src, struct cr_error *e);
void cr_merger_release(struct cr_merger *m);
/* A fleet: many profiles of one program, read on several threads. Each
 * reading thread reads through a dictionary of its own (the strings,
 * functions, mappings and locations of the files it read, by content),
 * and the merging thread merges each file from it, through a view of that
 * dictionary (what each entry is in dst), in the files' order: the
 * result is that of reading each file and merging it (cr_merger_add).
 * cr_fleet_read gives NULL for a file it does not read (not a pprof
 * profile, another shape than Go's, anything wrong in it, drop_frames,
 * names pprof simplifies): read it the usual way. A dictionary is used by
 * one reading thread, and outlives the files read through it and their
 * merges; the merging thread reads its entries only through the files. */
struct cr_fleet_dict;
struct cr_fleet_file;
struct cr_fleet_view;
struct cr_fleet_dict *cr_fleet_dict_new(void); /* NULL: no memory */
void cr_fleet_dict_free(struct cr_fleet_dict *d);
struct cr_fleet_file *cr_fleet_read(struct cr_fleet_dict *d, const char *path, struct cr_buf *scratch);
/* The same for a file's content (name: for messages; not copied). */
struct cr_fleet_file *cr_fleet_read_data(struct cr_fleet_dict *d, const unsigned char *data, size_t len,
					 const char *name);
void cr_fleet_file_free(struct cr_fleet_file *f);
/* The file's header and mappings as a profile (no samples): its sample
 * and period types, times, comments, for the checks and unit scaling of
 * a merge (which may change it). */
struct cr_profile *cr_fleet_file_header(struct cr_fleet_file *f);
struct cr_fleet_view *cr_fleet_view_new(void); /* NULL: no memory */
void cr_fleet_view_free(struct cr_fleet_view *v);
/* cr_merger_add of the file f, whose sample types are dst's (by name and
 * unit), v the view of f's dictionary for m's dst (one view per
 * dictionary and dst). *full (false at first; one for all the views of
 * a dst) is set once a function's system name in dst changed: it must be
 * set from every file's lines from then on. Set it too when anything else
 * is merged into dst. */
enum cr_err cr_merger_add_fleet(struct cr_merger *m, struct cr_fleet_view *v, struct cr_fleet_file *f,
				bool *full, struct cr_error *e);
/* What pprof does to every profile it reads before reporting: its
 * RemoveUninteresting (drop_frames/keep_frames), then the simplification of
 * names that look like demangled C++ (cr_profile_simplify_names). Done by
 * cr_profile_parse for pprof, text heap and goroutine count profiles. */
enum cr_err cr_profile_prune(struct cr_profile *p, struct cr_error *e);
/* pprof's default demangling of names it cannot demangle: a function whose
 * name equals its system name and looks like demangled C++ (it has [ ] < >
 * or ::, but neither ".<" nor "]).") loses its (...) groups, then its <...>
 * groups: Go's "pkg.F[go.shape.func(int) error]" reads "pkg.F[go.shape.func
 * error]". Mangled "_Z" names are left as they are. */
enum cr_err cr_profile_simplify_names(struct cr_profile *p, struct cr_error *e);
/* pprof's removeMatching: remove every outermost open..close group (with
 * the groups nested in it) from s, in place. At a close with no open, pprof
 * stops and keeps the rest as it is; an open never closed stays too. */
void cr_remove_matching(char *s, char open, char close);
/* pprof's total for sample index si: sum of |value| (over pprof::base
 * samples only, when there are any). */
int64_t cr_profile_total(const struct cr_profile *p, int si);
extern const char cr_alloc_drop_frames[], cr_alloc_keep_frames[];
/* Multiply every value by -1 (for diff bases). */
void cr_profile_negate(struct cr_profile *p);
/* Copy of src with every sample labelled pprof::base = "true" (diff base). */
enum cr_err cr_profile_add_label_all(struct cr_profile *p, const char *key, const char *value);
/* Two profiles' units pprof will not make one (its ScaleProfiles before a
 * merge): the period types (period) or the sample types at one index are
 * of different kinds, each as its type and unit (a's first). */
struct cr_unit_clash {
	bool set, period;
	char type[2][64], unit[2][64]; /* cut at 63 bytes */
};
/* pprof's ScaleProfiles for two profiles about to be merged (their sample
 * types already the same names in the same order): each sample type, and
 * the period type, of kinds that agree (types equal but for a trailing
 * 's'; units equal or both of bytes or of time) takes the finer of the two
 * units, its values scaled and rounded (a sample whose scaled values all
 * round to 0 is dropped; the period is scaled and truncated); a's unit
 * name when they are as fine. Kinds that do not agree: CR_FORMAT, nothing
 * changed, and *clash (may be NULL) says which. */
enum cr_err cr_profile_scale_units(struct cr_profile *a, struct cr_profile *b, struct cr_unit_clash *clash,
				   struct cr_error *e);
/* pprof's -diff_base (label true) and -base (false): append base's samples
 * to dst negated, labelled pprof::base="true" with label (so percentages
 * are of the base's total). base is negated and labelled in place: the
 * caller still releases it. Errors as cr_profile_merge's (CR_FORMAT when
 * the sample types differ), CR_NOMEM/CR_LIMIT labelling. */
enum cr_err cr_profile_diff_base(struct cr_profile *dst, struct cr_profile *base, bool label,
				 struct cr_error *e);

#endif
