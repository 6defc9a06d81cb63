/* The shared library ccrash's "lib" mode crashes in. */
__attribute__((noinline)) static int store(int *p, int v)
{
	*p = v;
	return v + 1;
}

int lib_store(int *p, int v)
{
	return store(p, v) * 2;
}
