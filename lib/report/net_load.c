/* Loading one capture for `coroner net` (see cr_netcapture_load). */
#include "coroner/goroutine.h"
#include "coroner/input.h"
#include "coroner/netreport.h"
#include "coroner/text.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NET_MAX_FILES 10000

void cr_netcapture_release(struct cr_netcapture *c)
{
	cr_netsnap_release(&c->snap);
	if (c->has_goroutines)
		cr_profile_release(&c->goroutines);
	memset(c, 0, sizeof *c);
}

static int64_t count_emfile(const unsigned char *d, size_t len)
{
	static const char pat[] = "too many open files";
	const size_t k = sizeof pat - 1;
	int64_t n = 0;
	if (!cr_looks_text(d, len < 4096 ? len : 4096))
		return 0;
	for (size_t i = 0; i + k <= len; i++) {
		const unsigned char *p = memchr(d + i, 't', len - i - k + 1);
		if (!p)
			break;
		i = (size_t)(p - d);
		if (!memcmp(p, pat, k)) {
			n++;
			const unsigned char *nl = memchr(p, '\n', len - i);
			if (!nl)
				break;
			i = (size_t)(nl - d);
		}
	}
	return n;
}

static bool goroutine_kind(const struct cr_input *in)
{
	enum cr_kind k = cr_kind_of(in->data, in->len);
	return k == CR_KIND_TRACEBACK || k == CR_KIND_GOROUTINE_TEXT || k == CR_KIND_PPROF;
}

static enum cr_err add_file(struct cr_netcapture *c, const char *path, struct cr_buf *warn,
			    struct cr_error *e)
{
	struct cr_input in;
	struct cr_error fe = { 0 };
	enum cr_err rc = cr_input_open(&in, path, 0, &fe);
	if (rc) {
		if (rc == CR_NOMEM || rc == CR_LIMIT) {
			*e = fe;
			return rc;
		}
		cr_buf_addf(warn, "%s\n", fe.msg);
		return CR_OK;
	}
	int64_t em = count_emfile(in.data, in.len);
	if (em) {
		if (!c->emfile)
			snprintf(c->emfile_file, sizeof c->emfile_file, "%s", in.name);
		c->emfile = cr_sat_add(c->emfile, em);
	}
	enum cr_net_kind k = cr_net_detect(in.data, in.len);
	if (k != CR_NET_UNKNOWN) {
		rc = cr_netsnap_parse(&c->snap, in.data, in.len, k, in.name, warn, &fe);
		if (rc == CR_NOMEM || rc == CR_LIMIT) {
			*e = fe;
		} else if (rc) {
			cr_buf_addf(warn, "%s\n", fe.msg);
			rc = CR_OK;
		} else {
			c->nfiles_used++;
		}
	} else if (!c->has_goroutines && goroutine_kind(&in)) {
		rc = cr_profile_init(&c->goroutines);
		if (rc) {
			cr_input_close(&in);
			return cr_fail(e, CR_NOMEM, "out of memory");
		}
		rc = cr_goroutines_parse(&c->goroutines, in.data, in.len, in.name, warn, &fe);
		bool is_g = false;
		for (size_t i = 0; !rc && i < c->goroutines.ntypes; i++)
			is_g |= !strcmp(cr_profile_str(&c->goroutines, c->goroutines.types[i].type), "goroutine");
		if (!rc && is_g) {
			c->has_goroutines = true;
			c->nfiles_used++;
			snprintf(c->goroutine_file, sizeof c->goroutine_file, "%s", in.name);
		} else {
			cr_profile_release(&c->goroutines);
			if (rc == CR_NOMEM || rc == CR_LIMIT)
				*e = fe;
			else if (rc)
				cr_buf_addf(warn, "%s\n", fe.msg);
			if (rc != CR_NOMEM && rc != CR_LIMIT)
				rc = CR_OK;
		}
	}
	cr_input_close(&in);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum cr_err cr_netcapture_load(struct cr_netcapture *c, const char *const *paths, size_t n,
			       enum cr_byte_order order, struct cr_buf *warn, struct cr_error *e)
{
	memset(c, 0, sizeof *c);
	cr_netsnap_init(&c->snap);
	c->snap.byte_order = order;
	c->path = paths[0];
	enum cr_err rc = CR_OK;
	struct stat st;
	if (n == 1 && strcmp(paths[0], "-") && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		DIR *d = opendir(paths[0]);
		if (!d)
			return cr_fail(e, CR_IO, "%s: cannot read directory: %s", paths[0], strerror(errno));
		char **names = NULL;
		size_t nn = 0, cap = 0;
		struct dirent *de;
		while (!rc && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char full[4096];
			int k = snprintf(full, sizeof full, "%s/%s", paths[0], de->d_name);
			if (k < 0 || (size_t)k >= sizeof full || stat(full, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			if (nn >= NET_MAX_FILES)
				rc = cr_fail(e, CR_LIMIT, "%s: more than %d files", paths[0], NET_MAX_FILES);
			else if (cr_grow(&names, &cap, nn + 1, sizeof *names) ||
				 !(names[nn] = cr_strndup(full, (size_t)k)))
				rc = cr_fail(e, CR_NOMEM, "out of memory");
			else
				nn++;
		}
		closedir(d);
		if (nn > 1)
			qsort(names, nn, sizeof *names, cmp_str);
		for (size_t i = 0; i < nn && !rc; i++)
			rc = add_file(c, names[i], warn, e);
		for (size_t i = 0; i < nn; i++)
			cr_free(names[i]);
		cr_free(names);
	} else {
		for (size_t i = 0; i < n && !rc; i++)
			rc = add_file(c, paths[i], warn, e);
	}
	if (!rc && !c->nfiles_used)
		rc = cr_fail(e, CR_EMPTY,
			     "%s: no limits, fd listing, socket table, ss, netstat, lsof or goroutine dump in it",
			     cr_input_display_name(paths[0]));
	return rc;
}
