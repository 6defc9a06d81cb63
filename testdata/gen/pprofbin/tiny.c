/* The smallest ELF executable gcc makes: a stand-in for a binary pprof
 * only has to open (testdata/gen/pprofbin.sh). */
void _start(void)
{
	for (;;)
		;
}
