/* Output files written atomically: a temporary file in the target's
 * directory, fsync'd and renamed over the target only when every byte is
 * written. A failed write (full disk, I/O error) removes the temporary and
 * leaves the previous file as it was. "-" is stdout (no atomicity there). */
#include "coroner/outfile.h"
#include "coroner/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum cr_err cr_outfile_open(struct cr_outfile *o, const char *path, struct cr_error *e)
{
	memset(o, 0, sizeof *o);
	o->path = path;
	o->fd = -1;
	if (strcmp(path, "-") == 0) {
		o->is_stdout = true;
		o->f = stdout;
		o->fd = 1;
		return CR_OK;
	}
	/* a symbolic link, a device, a pipe or a socket (/dev/stdout, a fifo)
	 * is written as it is, in place: a file renamed over it would replace
	 * the link or the device node itself */
	struct stat dst;
	if (lstat(path, &dst) == 0 && !S_ISREG(dst.st_mode) && !S_ISDIR(dst.st_mode)) {
		o->f = fopen(path, "w");
		if (!o->f)
			return cr_fail(e, CR_IO, "%s: cannot open: %s", path, strerror(errno));
		o->fd = fileno(o->f);
		return CR_OK;
	}
	size_t n = strlen(path);
	o->tmp = cr_malloc(n + 16);
	if (!o->tmp)
		return cr_fail(e, CR_NOMEM, "%s: out of memory", path);
	/* same directory: rename(2) is atomic only within a file system */
	memcpy(o->tmp, path, n);
	memcpy(o->tmp + n, ".tmp.XXXXXX", 12);
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		int err = errno;
		cr_free(o->tmp);
		o->tmp = NULL;
		return cr_fail(e, CR_IO, "%s: cannot create a file beside it: %s", path, strerror(err));
	}
	/* the mode a new file would get (or the replaced file's) */
	struct stat st;
	mode_t mode;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		mode = st.st_mode & 07777;
	} else {
		mode_t um = umask(0);
		umask(um);
		mode = 0666 & ~um;
	}
	fchmod(fd, mode);
	o->fd = fd;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int err = errno;
		close(fd);
		unlink(o->tmp);
		cr_free(o->tmp);
		o->tmp = NULL;
		return cr_fail(e, CR_NOMEM, "%s: %s", path, strerror(err));
	}
	return CR_OK;
}

enum cr_err cr_outfile_commit(struct cr_outfile *o, struct cr_error *e)
{
	if (!o->f)
		return CR_OK;
	if (o->is_stdout) {
		o->f = NULL;
		if (fflush(stdout) != 0 || ferror(stdout))
			return cr_fail(e, CR_IO, "<stdout>: write failed: %s", strerror(errno));
		return CR_OK;
	}
	int err = 0;
	if (!o->tmp) { /* written in place (not a regular file) */
		if (fflush(o->f) != 0 || ferror(o->f))
			err = errno ? errno : EIO;
		if (fclose(o->f) != 0 && !err)
			err = errno ? errno : EIO;
		o->f = NULL;
		return err ? cr_fail(e, CR_IO, "%s: write failed: %s", o->path, strerror(err)) : CR_OK;
	}
	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno ? errno : EIO;
	if (!err && fsync(o->fd) != 0)
		err = errno;
	if (fclose(o->f) != 0 && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (!err && rename(o->tmp, o->path) != 0)
		err = errno;
	if (err) {
		unlink(o->tmp);
		cr_free(o->tmp);
		o->tmp = NULL;
		return cr_fail(e, CR_IO, "%s: write failed: %s (the previous file, if any, is unchanged)",
			       o->path, strerror(err));
	}
	/* the rename itself is durable once the directory is synced */
	char *slash = strrchr(o->tmp, '/');
	int dfd = -1;
	if (slash) {
		*slash = 0;
		dfd = open(*o->tmp ? o->tmp : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	cr_free(o->tmp);
	o->tmp = NULL;
	return CR_OK;
}

void cr_outfile_abort(struct cr_outfile *o)
{
	if (!o->f || o->is_stdout) {
		o->f = NULL;
		return;
	}
	fclose(o->f);
	o->f = NULL;
	if (!o->tmp)
		return;
	unlink(o->tmp);
	cr_free(o->tmp);
	o->tmp = NULL;
}
