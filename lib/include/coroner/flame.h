/* Flame graphs over the profile model: a call tree keyed by frame name,
 * rendered as a self-contained interactive SVG or as folded stacks (the
 * "root;caller;leaf value" lines flamegraph.pl and speedscope read).
 *
 * Frames are function names with inlined calls expanded (outermost first),
 * as pprof's own flame graph shows them; a location without lines is named
 * by its address ("0x4b5a2a"). Every profile kind works: heap, allocs, cpu,
 * goroutine dumps (a goroutine = 1), cores exported as profiles.
 *
 * The tree owns its names (copied): profiles may be released after
 * cr_flame_add(). A diff base is added into the same tree (base values),
 * so widths are the new profile's values and colours the difference.
 */
#ifndef CORONER_FLAME_H
#define CORONER_FLAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "coroner/profile.h"

#define CR_FLAME_NONE UINT32_MAX

struct cr_flame_node {
	uint32_t name;        /* id in cr_flame.names; the root is "all" */
	uint32_t parent;      /* node index; CR_FLAME_NONE for the root */
	uint32_t child, next; /* first child / next sibling (CR_FLAME_NONE = none);
			       * siblings are sorted by name after cr_flame_finish() */
	uint32_t depth;       /* root = 0 */
	int64_t value;        /* sum of the chosen sample value through this frame */
	int64_t base;         /* the same in the diff base (0 when there is none) */
};

struct cr_flame {
	struct cr_strtab names;
	uint32_t *tab;        /* open addressing: (parent, name) -> node; CR_FLAME_NONE = empty */
	size_t tabcap;        /* a power of two */
	struct cr_flame_node *nodes;
	size_t nnodes, cap;
	uint32_t max_depth;
	bool has_base;
	bool finished;
	char sample_type[64], unit[32]; /* of the first profile added */
	/* nodes numbered in the order the samples first reach them (a listing
	 * of nodes by index shows it); else a tree built anew is numbered in
	 * pre-order, which is faster to build */
	bool first_seen_order;
	/* set by cr_flame_prune_for_svg(): the SVG's width and min_width */
	int prune_width;
	double prune_minw;
};

/* _init creates the root; _release frees everything. */
enum cr_err cr_flame_init(struct cr_flame *f);
void cr_flame_release(struct cr_flame *f);

/* Add every sample of p, value index si (resolved with
 * cr_profile_sample_index), to the tree; as_base adds to ->base instead of
 * ->value. Samples whose value is 0 are skipped. Errors: CR_NOMEM, CR_LIMIT
 * (more than 2^31 nodes), CR_USAGE (si out of range). */
enum cr_err cr_flame_add(struct cr_flame *f, const struct cr_profile *p, int si, bool as_base,
			 struct cr_error *e);

/* Sort siblings by name; call once after the last cr_flame_add(). */
enum cr_err cr_flame_finish(struct cr_flame *f, struct cr_error *e);

/* Folded stacks, one line per distinct stack with a non-zero self value,
 * depth-first in name order: "main.main;main.work;runtime.mallocgc 4096".
 * With a base: "stack BASE NEW" (difffolded.pl's format). ';' inside a name
 * becomes ':' and control bytes '?', so each line stays one stack. */
enum cr_err cr_flame_write_folded(struct cr_flame *f, FILE *out, struct cr_error *e);

struct cr_flame_svg_opts {
	const char *title;    /* e.g. "heap.pb.gz: inuse_space"; escaped */
	const char *subtitle; /* may be NULL */
	int width;            /* pixels; <= 0: 1200 */
	double min_width;     /* frames narrower than this many pixels are left out
			       * (<= 0: 0.1, as flamegraph.pl) */
	bool icicle;          /* the root at the top, stacks hanging down */
	bool all_frames;      /* draw every frame with a value, however narrow (a
			       * page's viewer builds sandwiches from the frames) */
};

/* Declare, before the one cr_flame_add() of the tree, that it will be
 * drawn only by cr_flame_write_svg() with these options (no base, no
 * sandwich, no folded or JSON output): a frame too narrow to draw then keeps
 * its value but not its callees, which could not be drawn either. The SVG
 * is the same; the tree is a fraction of the size. Ignored when some value
 * is negative or all_frames is set. */
void cr_flame_prune_for_svg(struct cr_flame *f, const struct cr_flame_svg_opts *o);

/* An SVG 1.1 document with inline CSS and JavaScript only: hover shows
 * name, value and share; click zooms into a frame (and "Reset zoom");
 * "Search" highlights frames matching a regex and reports their share.
 * Differential colouring (red grew, blue shrank) when a base was added. */
enum cr_err cr_flame_write_svg(struct cr_flame *f, const struct cr_flame_svg_opts *o, FILE *out,
			       struct cr_error *e);

/* One graph as an <svg class="flamegraph"> element without script or
 * style, for a page that includes them once (an HTML report): the page
 * adds cr_flame_svg_css() in a <style> and cr_flame_svg_js() in a <script>
 * and calls crFlameInit(svg, askable) (or crFlameAll(askable)) for each;
 * then svg.crFlame.search(regex) highlights (class "hit"),
 * svg.crFlame.zoom(frame) zooms, svg.crFlame.flip() turns a flame graph
 * into an icicle and back (returns true for an icicle), and
 * crFlameSandwich(svg, name) returns {callers, callees} (two new graph
 * elements built from svg's frames, each to be inserted and then given
 * crFlameInit) or null when no frame is named name. Neither string holds
 * "</" or "]]>". */
enum cr_err cr_flame_write_svg_element(struct cr_flame *f, const struct cr_flame_svg_opts *o, FILE *out,
				       struct cr_error *e);
const char *cr_flame_svg_css(void);
const char *cr_flame_svg_js(void);

/* Sandwich view of one function: callers gets every path from the root
 * to an outermost frame named func, reversed (func is its root, its direct
 * callers its children), callees every subtree under such a frame (func is
 * its root). Values are those of the frames named func (diff bases too).
 * callers and callees are fresh trees (cr_flame_init). CR_EMPTY when no
 * frame is named func. */
enum cr_err cr_flame_sandwich(struct cr_flame *src, const char *func, struct cr_flame *callers,
			      struct cr_flame *callees, struct cr_error *e);
/* Both halves in one document: callers as a flame graph above, callees as
 * an icicle below, each with its own zoom and search. */
enum cr_err cr_flame_write_sandwich_svg(struct cr_flame *callers, struct cr_flame *callees,
					const struct cr_flame_svg_opts *o, FILE *out, struct cr_error *e);

#endif
