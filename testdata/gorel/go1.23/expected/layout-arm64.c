	{
		/* go1.23: from the DWARF of a go1.23 build (testdata/gen/gort-layout.py) */
		.version_prefix = "go1.23", .have_mem = true,
		.g_size = 432, .g_stack_lo = 0, .g_stack_hi = 8, .g_m = 48, .g_sched = 56, .g_syscallsp = 112,
		.g_syscallpc = 120, .g_atomicstatus = 152, .g_goid = 160, .g_waitsince = 176,
		.g_waitreason = 184, .g_lockedm = 216, .g_sig = 224, .g_sigcode0 = 256, .g_sigcode1 = 264,
		.g_sigpc = 272, .g_gopc = 288, .g_startpc = 304, .gobuf_sp = 0, .gobuf_pc = 8, .gobuf_lr = 40,
		.gobuf_bp = 48, .m_size = 1760, .m_g0 = 0, .m_procid = 72, .m_gsignal = 80, .m_curg = 192,
		.m_id = 232, .m_alllink = 328, .sched_lastpoll = 8, .sched_mnext = 48, .sched_maxmcount = 56,
		.ms_heapstats = 0, .ms_stacks_sys = 3544, .ms_mspan_sys = 3552, .ms_mcache_sys = 3560,
		.ms_buckhash_sys = 3568, .ms_gcmisc_sys = 3576, .ms_other_sys = 3584, .ms_last_gc_unix = 3592,
		.ms_pause_total_ns = 3600, .ms_numgc = 7704, .ms_last_gc_nanotime = 7720, .hsd_size = 1176,
		.hsd_committed = 0, .hsd_released = 8, .hsd_inheap = 16, .hsd_instacks = 24,
		.hsd_inworkbufs = 32, .hsd_inptrscalarbits = 40, .hsd_tinyalloccount = 48, .hsd_largealloc = 56,
		.hsd_largealloccount = 64, .hsd_smallalloccount = 72, .hsd_largefree = 616,
		.hsd_largefreecount = 624, .hsd_smallfreecount = 632, .hsd_n = 3, .nsizeclasses = 68,
		.mheap_allarenas = 66160,
		/* extra: g._panic@32 g._defer@40 g.param@144 g.parentGoid@280 g.labels@352 g.coroarg@384 */
		/* extra: g.syncGroup@- g.bubble@- _panic.argp@0 _panic.arg@8 _panic.link@24 _panic.startPC@32 */
		/* extra: _panic.startSP@40 _panic.sp@48 _panic.lr@56 _panic.fp@64 _panic.retpc@72 _panic.recovered@96 */
		/* extra: _panic.goexit@97 mheap.arenas@66072 mheap.arenaHints@66120 mheap.curArena@66232 mheap.allspans@65864 mheap.heapArenaAlloc@66088 */
		/* extra: mheap.allArenas@66160 mheap.pages@8 schedt.ngsys@72 schedt.gFree@160 schedt.lock@24 */
	},
