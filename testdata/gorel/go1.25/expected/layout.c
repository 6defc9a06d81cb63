	{
		/* go1.25: from the DWARF of a go1.25 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.25", .have_mem = true,
		.g_size = 440, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 104,
		.g_syscallpc = 112, .g_atomicstatus = 144, .g_goid = 152, .g_waitsince = 168,
		.g_waitreason = 176, .g_lockedm = 208, .g_sig = 220, .g_sigcode0 = 248, .g_sigcode1 = 256,
		.g_sigpc = 264, .g_gopc = 280, .g_startpc = 296, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 32,
		.gobuf_bp = 40, .m_size = 1816, .m_g0 = 0, .m_procid = 64, .m_gsignal = 72, .m_curg = 184,
		.m_id = 224, .m_alllink = 344, .sched_lastpoll = 8, .sched_mnext = 56, .sched_maxmcount = 64,
		.ms_heapstats = 0, .ms_stacks_sys = 3520, .ms_mspan_sys = 3528, .ms_mcache_sys = 3536,
		.ms_buckhash_sys = 3544, .ms_gcmisc_sys = 3552, .ms_other_sys = 3560, .ms_last_gc_unix = 3568,
		.ms_pause_total_ns = 3576, .ms_numgc = 7680, .ms_last_gc_nanotime = 7696, .hsd_size = 1168,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_tinyalloccount = 40, .hsd_largealloc = 48, .hsd_largealloccount = 56,
		.hsd_smallalloccount = 64, .hsd_largefree = 608, .hsd_largefreecount = 616,
		.hsd_smallfreecount = 624, .hsd_n = 3, .nsizeclasses = 68,
		/* .hsd_inptrscalarbits: not in this release's DWARF */
		/* .mheap_allarenas: not in this release's DWARF */
		/* members not found: heapStatsDelta.inPtrScalarBits, mheap.allArenas */
		/* extra: g._panic@32 g._defer@40 g.param@136 g.parentGoid@272 g.labels@344 g.coroarg@376 */
		/* extra: g.syncGroup@- g.bubble@384 _panic.argp@0 _panic.arg@8 _panic.link@24 _panic.startPC@32 */
		/* extra: _panic.startSP@40 _panic.sp@48 _panic.lr@56 _panic.fp@64 _panic.retpc@72 _panic.recovered@96 */
		/* extra: _panic.goexit@98 mheap.arenas@66008 mheap.arenaHints@66056 mheap.curArena@66192 mheap.allspans@65864 mheap.heapArenaAlloc@66024 */
		/* extra: mheap.allArenas@- mheap.pages@8 schedt.ngsys@80 schedt.gFree@168 schedt.lock@32 */
	},
