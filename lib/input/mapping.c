/* The table of mapped inputs a SIGBUS handler reads to name the file that
 * shrank under its mapping. Fixed size, no allocation, no locks: entries
 * are published with atomic stores, so a handler running at any moment
 * sees either a whole entry or none. */
#include "coroner/input.h"

#include <stdint.h>

#define NMAPS 64

struct slot {
	uintptr_t start; /* 0 = free */
	uintptr_t len;
	const char *name;
};

static struct slot slots[NMAPS];

void cr_mapping_add(const void *start, size_t len, const char *name)
{
	for (int i = 0; i < NMAPS; i++) {
		/* claimed with 1 (no file is mapped at address 1), so two threads
		 * adding at once never take the same entry */
		uintptr_t free_ = 0;
		if (!__atomic_compare_exchange_n(&slots[i].start, &free_, 1, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		slots[i].len = len;
		slots[i].name = name;
		__atomic_store_n(&slots[i].start, (uintptr_t)start, __ATOMIC_RELEASE);
		return;
	}
	/* full: the handler then names no file, still exits cleanly */
}

void cr_mapping_remove(const void *start)
{
	for (int i = 0; i < NMAPS; i++)
		if (__atomic_load_n(&slots[i].start, __ATOMIC_ACQUIRE) == (uintptr_t)start) {
			__atomic_store_n(&slots[i].start, 0, __ATOMIC_RELEASE);
			return;
		}
}

const char *cr_mapping_find(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	for (int i = 0; i < NMAPS; i++) {
		uintptr_t s = __atomic_load_n(&slots[i].start, __ATOMIC_ACQUIRE);
		if (s > 1 && a >= s && a - s < slots[i].len)
			return slots[i].name;
	}
	return NULL;
}
