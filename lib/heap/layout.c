/* The runtime struct offsets coroner heap reads, per Go release, for
 * binaries without DWARF (-ldflags='-s -w'). Each entry was printed by
 * testdata/gen/heap-layout.py from the DWARF of an unstripped build of
 * testdata/gen/retainprog with that release (amd64; llvm-dwarfdump, not
 * coroner's own reader); tests/heap/retain.py compares the stripped builds'
 * answers with the program's measurements. go1.20 has no entry (no go1.20
 * toolchain was at hand): its stripped binaries are refused. */
#include "heap_int.h"

#include <string.h>

#define MISSING UINT32_MAX

static const struct heap_layout {
	const char *prefix;
	struct hoff o;
} heap_layouts[] = {
	{
		/* go1.19: from the DWARF of a go1.19 build (testdata/gen/heap-layout.py) */
		"go1.19", {
			.mheap_allspans = 65856, .mheap_arenas = 65936, .span_size = 144, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 56, .span_allocbits = 72,
			.span_spanclass = 98, .span_state = 99, .span_elemsize = 104, .span_specials = 128,
			.span_largetype = MISSING, .md_types = 280, .md_etypes = 288, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 496, .md_gcbssmask = 512, .md_next = 544,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 10, .sp_size = 16,
			.arena_bitmap = 0, .g_sched = 56, .g_syscallsp = 112, .g_syscallpc = 120, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
	{
		/* go1.21: from the DWARF of a go1.21 build (testdata/gen/heap-layout.py) */
		"go1.21", {
			.mheap_allspans = 65864, .mheap_arenas = 65944, .span_size = 168, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 56, .span_allocbits = 72,
			.span_spanclass = 106, .span_state = 107, .span_elemsize = 112, .span_specials = 136,
			.span_largetype = MISSING, .md_types = 296, .md_etypes = 304, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 536, .md_gcbssmask = 552, .md_next = 584,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 10, .sp_size = 16,
			.arena_bitmap = 0, .g_sched = 56, .g_syscallsp = 112, .g_syscallpc = 120, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
	{
		/* go1.22: from the DWARF of a go1.22 build (testdata/gen/heap-layout.py) */
		"go1.22", {
			.mheap_allspans = 65864, .mheap_arenas = 66008, .span_size = 160, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 50, .span_allocbits = 64,
			.span_spanclass = 98, .span_state = 99, .span_elemsize = 104, .span_specials = 128,
			.span_largetype = 152, .md_types = 296, .md_etypes = 304, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 536, .md_gcbssmask = 552, .md_next = 584,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 10, .sp_size = 16,
			.arena_bitmap = MISSING, .g_sched = 56, .g_syscallsp = 112, .g_syscallpc = 120, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
	{
		/* go1.23: from the DWARF of a go1.23 build (testdata/gen/heap-layout.py) */
		"go1.23", {
			.mheap_allspans = 65864, .mheap_arenas = 66008, .span_size = 160, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 50, .span_allocbits = 64,
			.span_spanclass = 98, .span_state = 99, .span_elemsize = 104, .span_specials = 128,
			.span_largetype = 152, .md_types = 296, .md_etypes = 304, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 536, .md_gcbssmask = 552, .md_next = 576,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 10, .sp_size = 16,
			.arena_bitmap = MISSING, .g_sched = 56, .g_syscallsp = 112, .g_syscallpc = 120, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
	{
		/* go1.24: from the DWARF of a go1.24 build (testdata/gen/heap-layout.py) */
		"go1.24", {
			.mheap_allspans = 65864, .mheap_arenas = 66008, .span_size = 160, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 50, .span_allocbits = 64,
			.span_spanclass = 98, .span_state = 99, .span_elemsize = 104, .span_specials = 128,
			.span_largetype = 152, .md_types = 296, .md_etypes = 304, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 536, .md_gcbssmask = 552, .md_next = 576,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 16, .sp_size = 24,
			.arena_bitmap = MISSING, .g_sched = 56, .g_syscallsp = 112, .g_syscallpc = 120, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
	{
		/* go1.25: from the DWARF of a go1.25 build (testdata/gen/heap-layout.py) */
		"go1.25", {
			.mheap_allspans = 65864, .mheap_arenas = 66008, .span_size = 160, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 50, .span_allocbits = 64,
			.span_spanclass = 98, .span_state = 99, .span_elemsize = 104, .span_specials = 128,
			.span_largetype = 152, .md_types = 296, .md_etypes = 304, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 536, .md_gcbssmask = 552, .md_next = 576,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 16, .sp_size = 24,
			.arena_bitmap = MISSING, .g_sched = 56, .g_syscallsp = 104, .g_syscallpc = 112, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
	{
		/* go1.26: from the DWARF of a go1.26 build (testdata/gen/heap-layout.py) */
		"go1.26", {
			.mheap_allspans = 65864, .mheap_arenas = 66008, .span_size = 160, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 50, .span_allocbits = 64,
			.span_spanclass = 98, .span_state = 99, .span_elemsize = 104, .span_specials = 128,
			.span_largetype = 152, .md_types = 296, .md_etypes = 304, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 544, .md_gcbssmask = 560, .md_next = 584,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 16, .sp_size = 24,
			.arena_bitmap = MISSING, .g_sched = 56, .g_syscallsp = 104, .g_syscallpc = 112, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
	{
		/* go1.27: from the DWARF of a go1.27 build (testdata/gen/heap-layout.py) */
		"go1.27", {
			.mheap_allspans = 65864, .mheap_arenas = 66008, .span_size = 160, .span_startaddr = 24,
			.span_npages = 32, .span_freeindex = 48, .span_nelems = 50, .span_allocbits = 64,
			.span_spanclass = 98, .span_state = 99, .span_elemsize = 104, .span_specials = 128,
			.span_largetype = 152, .md_types = 296, .md_etypes = 312, .md_data = 208, .md_edata = 216,
			.md_bss = 224, .md_ebss = 232, .md_gcdatamask = 520, .md_gcbssmask = 536, .md_next = 560,
			.bv_n = 0, .bv_bytedata = 8, .sp_next = 0, .sp_offset = 8, .sp_kind = 16, .sp_size = 24,
			.arena_bitmap = MISSING, .g_sched = 56, .g_syscallsp = 104, .g_syscallpc = 112, .gobuf_sp = 0,
			.gobuf_pc = 8,
		},
	},
};

const struct hoff *heap_layout_for(const char *version)
{
	for (size_t i = 0; version && i < sizeof heap_layouts / sizeof *heap_layouts; i++) {
		size_t n = strlen(heap_layouts[i].prefix);
		if (strncmp(version, heap_layouts[i].prefix, n))
			continue;
		char c = version[n];
		/* "go1.22", "go1.22.3", "go1.26rc1", "go1.25 X:greenteagc" */
		if (c == 0 || c == '.' || c == ' ' || c == '-' || c == 'r' || c == 'b' || c == 'X')
			return &heap_layouts[i].o;
	}
	return NULL;
}
