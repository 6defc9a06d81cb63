/* What `coroner pprof` reads before its report: the sources it counts,
 * what of their samples a report leaves out, and old pprof's drop of the
 * samples with no location. */
#include "cmd.h"
#include "pprof-cmd.h"
#include "coroner/capture.h"
#include "coroner/filter.h"
#include "coroner/pprof.h"
#include "coroner/profile.h"

#include <string.h>
#include <sys/stat.h>

/* the sources pprof merges: the profiles, not a binary before them (the
 * first such binary in *binary) */
int cmd_pprof_count_sources(const struct cmd_pprof_req *r, const char **binary)
{
	int nprof = 0;
	*binary = NULL;
	for (int i = 0; i < r->npaths; i++) {
		struct stat st; /* stdin and pipes are read once, as profiles */
		bool prof = strcmp(r->paths[i], "-") == 0 || stat(r->paths[i], &st) != 0 || !S_ISREG(st.st_mode) ||
			    cr_capture_kind(r->paths[i], true, NULL, NULL) != CR_KIND_ELF_EXEC;
		nprof += prof;
		if (!prof && !*binary)
			*binary = r->paths[i];
	}
	return nprof;
}

/* pprof merges the sources it read: those it left out do not count */
void cmd_pprof_fetched_sources(int *nprof, const struct cmd_pprof_req *r, struct cr_pprof_opts *o)
{
	if (cmd_pprof_fetched() >= 0 && cmd_pprof_fetched() < *nprof) {
		*nprof = cmd_pprof_fetched();
		o->merged = *nprof > 1 || r->diff_base || r->base || (cr_pprof_release && cr_pprof_release < 21);
	}
}

/* Go 1.19's pprof runs its name filter with no expression too, and it
 * keeps only samples with a location: a sample with an empty stack (a
 * threadcreate profile's threads of unknown origin) is gone from -raw and
 * -proto, after the total was taken (1.21's returns at once). */
void cmd_pprof_drop_stackless(struct cr_profile *p)
{
	size_t o = 0;
	for (size_t s = 0; s < p->nsamples; s++) {
		if (p->samples[s].nloc == 0)
			continue;
		if (o != s)
			memmove(&p->values[o * p->ntypes], &p->values[s * p->ntypes], p->ntypes * sizeof *p->values);
		p->samples[o++] = p->samples[s];
	}
	p->nsamples = o;
}

/* What of the samples report `which` does not look at, to be left out
 * as they are read: labels are seen by -tags, -traces, -raw, -proto,
 * -topproto, the graph's tags (-dot) and the tag options (a diff's
 * pprof::base label, which every report sees, the reader keeps); stacks
 * are not by -tags without a name filter, -prune_from or label frames
 * (and not before go1.21, whose pprof drops the samples with no
 * location); -comments looks at neither. */
unsigned char cmd_pprof_leave_out(int which, const struct cmd_pprof_req *r, const struct cmd_filters *f)
{
	bool tag_opts = f->tag[0].set || f->tag[1].set || r->tagshow || r->taghide || r->tagroot || r->tagleaf;
	if (which == 'C')
		return CR_LEAVE_STACKS | CR_LEAVE_LABELS;
	if (which == 'g')
		return cr_filter_any(&f->re) || r->prune_from || r->tagroot || r->tagleaf ||
				       (cr_pprof_release && cr_pprof_release < 21)
			       ? 0
			       : CR_LEAVE_STACKS;
	return strchr("rplsTc", which) && !tag_opts ? CR_LEAVE_LABELS : 0;
}
