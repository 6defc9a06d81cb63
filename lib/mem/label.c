/* Mapping labels: what each smaps mapping holds. */
#include "coroner/mem.h"
#include "coroner/text.h"
#include "coroner/util.h"

#include <string.h>

const char *cr_maplabel_name(enum cr_maplabel l)
{
	static const char *const names[CR_ML_COUNT] = {
		"go_arena", "binary", "shared_lib", "brk_heap", "malloc_arena", "thread_stack",
		"main_stack", "anon", "file", "shmem", "kernel", "reserved",
	};
	return (unsigned)l < CR_ML_COUNT ? names[l] : "?";
}

/* The Go runtime (malloc.go, 64-bit linux) reserves its heap in arenas of
 * 64 MiB (heapArenaBytes), each reservation aligned to 64 MiB, at hints
 * below the mmap area: up to Go 1.25 i<<40 | 0x00c0<<32 (0xc000000000 up);
 * from Go 1.26 at a random arena-aligned base below 1<<46 (amd64) or 1<<47
 * (arm64). So no fixed address says "Go heap"; the shape does: a run of
 * contiguous private anonymous mappings (mapped and reserved parts) that
 * starts on a 64 MiB boundary below the mmap area (0x7e.. - 0x7f.., where
 * glibc's arenas, also 64 MiB-aligned, and the runtime's own metadata live).
 * run_start: where the run holding the mapping begins. */
#define GO_ARENA_BYTES (64ull << 20)
#define MMAP_AREA_LOW 0x7e0000000000ull

static bool arena_shape(uint64_t run_start)
{
	return run_start > 0 && run_start < MMAP_AREA_LOW && run_start % GO_ARENA_BYTES == 0;
}

static bool anon_private(const struct cr_memmap *m)
{
	return !m->path[0] && m->perms[3] == 'p';
}

static bool is_shared_object(const char *p)
{
	const char *b = strrchr(p, '/');
	b = b ? b + 1 : p;
	const char *so = strstr(b, ".so");
	return so && (so[3] == 0 || so[3] == '.' || so[3] == ' ');
}

static bool is_shmem_path(const char *p, const char *perms)
{
	return cr_starts(p, strlen(p), "/dev/shm/") || cr_starts(p, strlen(p), "/SYSV") ||
	       cr_starts(p, strlen(p), "/memfd:") || cr_starts(p, strlen(p), "memfd:") ||
	       cr_starts(p, strlen(p), "/dev/zero") || cr_starts(p, strlen(p), "[anon_shmem") ||
	       (perms[3] == 's' && cr_starts(p, strlen(p), "/i915"));
}

#define GLIBC_HEAP_MAX (64ull << 20) /* HEAP_MAX_SIZE on 64-bit: 2 * 32 MiB */

void cr_memsnap_label(struct cr_memsnap *s, const struct cr_range *arenas, size_t narenas,
		      const char *binary)
{
	if (!binary) {
		for (size_t i = 0; i < s->nmaps; i++)
			if (s->maps[i].path[0] && s->maps[i].path[0] != '[' &&
			    !is_shmem_path(s->maps[i].path, s->maps[i].perms)) {
				binary = s->maps[i].path;
				break;
			}
	}
	uint64_t run_start = 0;
	for (size_t i = 0; i < s->nmaps; i++) {
		struct cr_memmap *m = &s->maps[i];
		const struct cr_memmap *prev = i ? &s->maps[i - 1] : NULL;
		if (!anon_private(m))
			run_start = 0;
		else if (!prev || !anon_private(prev) || prev->end != m->start)
			run_start = m->start;
		const struct cr_memmap *next = i + 1 < s->nmaps ? &s->maps[i + 1] : NULL;
		const char *p = m->path;
		enum cr_maplabel l;
		if (p[0] == '[') {
			if (!strcmp(p, "[heap]"))
				l = CR_ML_BRK_HEAP;
			else if (!strcmp(p, "[stack]"))
				l = CR_ML_MAIN_STACK;
			else if (!strncmp(p, "[stack:", 7))
				l = CR_ML_THREAD_STACK; /* kernels before 4.5 named thread stacks */
			else if (!strncmp(p, "[anon_shmem", 11))
				l = CR_ML_SHMEM;
			else if (!strncmp(p, "[anon:", 6))
				l = CR_ML_ANON;
			else
				l = CR_ML_KERNEL;
		} else if (m->perms[0] == '-' && m->perms[1] == '-' && m->perms[2] == '-') {
			l = CR_ML_RESERVED;
		} else if (p[0]) {
			if (is_shmem_path(p, m->perms))
				l = CR_ML_SHMEM;
			else if (binary && !strcmp(p, binary))
				l = CR_ML_BINARY;
			else if (is_shared_object(p))
				l = CR_ML_SHARED_LIB;
			else
				l = CR_ML_FILE;
		} else {
			bool arena = false;
			if (narenas) {
				for (size_t k = 0; k < narenas && !arena; k++)
					arena = m->start < arenas[k].end && arenas[k].start < m->end;
			} else {
				arena = arena_shape(run_start) && m->perms[3] == 'p';
			}
			if (m->perms[3] == 's')
				l = CR_ML_SHMEM;
			else if (prev && prev->label == CR_ML_BINARY && prev->end == m->start)
				l = CR_ML_BINARY; /* bss beyond the file's last page */
			else if (arena)
				l = CR_ML_GO_ARENA;
			else if (m->start % GLIBC_HEAP_MAX == 0 &&
				 ((next && next->perms[0] == '-' && next->start == m->end &&
				   next->end - m->start == GLIBC_HEAP_MAX) ||
				  m->end - m->start == GLIBC_HEAP_MAX))
				l = CR_ML_MALLOC_ARENA;
			else if (prev && prev->perms[0] == '-' && prev->perms[1] == '-' && prev->end == m->start &&
				 prev->end - prev->start <= 65536 && !prev->path[0] && m->perms[1] == 'w')
				l = CR_ML_THREAD_STACK;
			else
				l = CR_ML_ANON;
		}
		m->label = l;
	}
}

static int64_t nz(int64_t v) { return v > 0 ? v : 0; }

void cr_memsnap_label_sums(const struct cr_memsnap *s, struct cr_labelsum *out)
{
	memset(out, 0, sizeof *out * CR_ML_COUNT);
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct cr_memmap *m = &s->maps[i];
		struct cr_labelsum *o = &out[(unsigned)m->label < CR_ML_COUNT ? m->label : CR_ML_ANON];
		uint64_t size = m->end - m->start; /* the parser keeps end >= start */
		o->count++;
		o->size = cr_sat_add(o->size, size > INT64_MAX ? INT64_MAX : (int64_t)size);
		o->rss = cr_sat_add(o->rss, nz(m->rss));
		o->pss = cr_sat_add(o->pss, nz(m->pss));
		o->anon = cr_sat_add(o->anon, nz(m->anon));
		o->swap = cr_sat_add(o->swap, nz(m->swap));
		o->anon_huge = cr_sat_add(o->anon_huge, nz(m->anon_huge));
	}
}
