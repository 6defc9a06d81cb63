/* dwzpart: the crash (a NULL name read by the inlined weigh()) in the
 * second unit; see dwzpart.sh */
#include <stdlib.h>
#include "dwzpart.h"
int sum_b(const struct item *v, int n)
{
	int s = 0;
	for (int i = n - 1; i >= 0; i--)
		s += weigh(&v[i]);
	return s;
}
int main(int argc, char **argv)
{
	(void)argv;
	struct item v[3] = { { "a", 1 }, { "b", 2 }, { NULL, 3 } };
	int n = argc > 1 ? 3 : 2;
	return sum_a(v, 2) + sum_b(v, n) > 0 ? 0 : 1;
}
