/* The kernel's OOM-killer reports in a kernel log (dmesg, journalctl -k,
 * /var/log/kern.log): who was killed, with how much memory, and why.
 *
 * A report spans many lines; the ones read here, wherever they sit in a line
 * (after a "[seconds]" stamp, a syslog prefix, or nothing):
 *   COMM invoked oom-killer: gfp_mask=..., order=N, oom_score_adj=N
 *   memory: usage NkB, limit NkB, failcnt N          (memory cgroup reports)
 *   oom-kill:constraint=CONSTRAINT_X,...,oom_memcg=/PATH,task_memcg=/PATH,task=COMM,pid=N,uid=N
 *   [Memory cgroup o|O]ut of memory: Killed process N (COMM) total-vm:NkB, anon-rss:NkB, file-rss:NkB, shmem-rss:NkB, ...
 * Older kernels write "Killed process N (COMM) total-vm:..." on a line of its
 * own after "Out of memory: Kill process N (COMM) score N or sacrifice child".
 * A "Killed process" line closes one kill; the lines before it since the last
 * one describe it.
 */
#include "coroner/input.h"
#include "coroner/mem.h"
#include "coroner/text.h"

#include <stdio.h>
#include <string.h>

static const char *find(const char *s, size_t n, const char *what)
{
	return memmem(s, n, what, strlen(what));
}

/* "KEY:NkB" after p in [p, end): bytes, or -1 */
static int64_t kb_field(const char *p, const char *end, const char *key)
{
	const char *k = memmem(p, (size_t)(end - p), key, strlen(key));
	if (!k)
		return -1;
	size_t n = (size_t)(end - k), i = strlen(key);
	uint64_t v;
	if (!cr_parse_u64(k, n, &i, &v) || v > (uint64_t)INT64_MAX / 1024)
		return -1;
	return (int64_t)v * 1024;
}

/* "KEY=VALUE" (up to ',' or the end) into out */
static void eq_field(const char *s, size_t n, const char *key, char *out, size_t outsz)
{
	const char *k = find(s, n, key);
	if (!k)
		return;
	k += strlen(key);
	size_t m = 0;
	while (k + m < s + n && k[m] != ',' && m + 1 < outsz)
		m++;
	memcpy(out, k, m);
	out[m] = 0;
}

static void copy_str(char *out, size_t outsz, const char *s, size_t n)
{
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

static void pending_reset(struct cr_oomkill *p)
{
	memset(p, 0, sizeof *p);
	p->pid = p->constraint_pid = -1;
	p->total_vm = p->anon_rss = p->file_rss = p->shmem_rss = -1;
	p->usage = p->limit = p->failcnt = -1;
}

enum cr_err cr_ooms_parse(struct cr_ooms *o, const unsigned char *data, size_t len, const char *name,
			  struct cr_error *e)
{
	struct cr_lines it;
	const char *l;
	size_t n;
	bool cut;
	struct cr_oomkill p;
	pending_reset(&p);
	cr_lines_init(&it, data, len);
	while (cr_lines_next(&it, &l, &n, cr_limits.max_line, &cut)) {
		if (cut)
			return cr_fail(e, CR_LIMIT, "%s: kernel log: line %zu: longer than %zu bytes", name, it.lineno,
				       cr_limits.max_line);
		o->lines++;
		const char *end = l + n, *k;
		if ((k = find(l, n, " invoked oom-killer:"))) {
			/* the comm is the word before (after a stamp or prefix) */
			const char *b = k;
			while (b > l && b[-1] != ' ' && b[-1] != ']' && b[-1] != ':')
				b--;
			pending_reset(&p);
			copy_str(p.trigger, sizeof p.trigger, b, (size_t)(k - b));
			continue;
		}
		if ((k = find(l, n, "memory: usage ")) && (k == l || k[-1] == ' ' || k[-1] == ']')) {
			size_t i = (size_t)(k - l) + 14;
			uint64_t v;
			if (cr_parse_u64(l, n, &i, &v) && v <= (uint64_t)INT64_MAX / 1024)
				p.usage = (int64_t)v * 1024;
			p.limit = kb_field(k, end, "limit ");
			const char *f = find(k, (size_t)(end - k), "failcnt ");
			i = f ? (size_t)(f - l) + 8 : n;
			if (f && cr_parse_u64(l, n, &i, &v) && v <= INT64_MAX)
				p.failcnt = (int64_t)v;
			continue;
		}
		if ((k = find(l, n, "oom-kill:constraint="))) {
			size_t rest = (size_t)(end - k);
			eq_field(k, rest, "constraint=", p.constraint, sizeof p.constraint);
			eq_field(k, rest, "oom_memcg=", p.memcg_path, sizeof p.memcg_path);
			char pid[24] = "";
			eq_field(k, rest, ",pid=", pid, sizeof pid);
			size_t i = 0;
			uint64_t v;
			if (cr_parse_u64(pid, strlen(pid), &i, &v) && v <= INT64_MAX)
				p.constraint_pid = (int64_t)v;
			continue;
		}
		if (!(k = find(l, n, "Killed process ")))
			continue;
		size_t i = (size_t)(k - l) + 15;
		uint64_t v;
		if (!cr_parse_u64(l, n, &i, &v) || v > INT64_MAX || i + 1 >= n || l[i] != ' ' || l[i + 1] != '(')
			continue; /* not the kill line's shape */
		struct cr_oomkill kill = p;
		kill.pid = (int64_t)v;
		const char *c = l + i + 2, *ce = find(c, (size_t)(end - c), ") ");
		if (!ce) {
			ce = end;
			while (ce > c && ce[-1] != ')')
				ce--;
			if (ce > c)
				ce--;
		}
		copy_str(kill.comm, sizeof kill.comm, c, (size_t)(ce - c));
		kill.total_vm = kb_field(ce, end, "total-vm:");
		kill.anon_rss = kb_field(ce, end, "anon-rss:");
		kill.file_rss = kb_field(ce, end, "file-rss:");
		kill.shmem_rss = kb_field(ce, end, "shmem-rss:");
		kill.memcg = find(l, (size_t)(k - l), "Memory cgroup out of memory") != NULL ||
			     strcmp(kill.constraint, "CONSTRAINT_MEMCG") == 0;
		kill.line = it.lineno;
		/* the stamp: "[ seconds]" or the syslog prefix up to " kernel:" */
		const char *sb = find(l, (size_t)(k - l), "[");
		const char *se = sb ? find(sb, (size_t)(k - sb), "]") : NULL;
		if (sb && se)
			copy_str(kill.stamp, sizeof kill.stamp, sb, (size_t)(se + 1 - sb));
		else if ((se = find(l, (size_t)(k - l), " kernel:")))
			copy_str(kill.stamp, sizeof kill.stamp, l, (size_t)(se - l));
		if (o->n >= 100000)
			return cr_fail(e, CR_LIMIT, "%s: kernel log: line %zu: more than 100000 OOM kills", name, it.lineno);
		if (cr_grow(&o->v, &o->cap, o->n + 1, sizeof *o->v))
			return cr_fail(e, CR_NOMEM, "out of memory");
		o->v[o->n++] = kill;
		pending_reset(&p);
	}
	if (!o->n)
		return cr_fail(e, CR_EMPTY, "%s: kernel log: no OOM kill (no 'Killed process N (NAME) total-vm:...' line)",
			       name);
	return CR_OK;
}

enum cr_err cr_ooms_load(struct cr_ooms *o, const char *path, struct cr_error *e)
{
	struct cr_input in;
	enum cr_err rc = cr_input_open(&in, path, 0, e);
	if (rc)
		return rc;
	rc = cr_ooms_parse(o, in.data, in.len, in.name, e);
	cr_input_close(&in);
	return rc;
}

void cr_ooms_release(struct cr_ooms *o)
{
	cr_free(o->v);
	memset(o, 0, sizeof *o);
}
