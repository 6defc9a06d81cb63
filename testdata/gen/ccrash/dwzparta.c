#include "dwzpart.h"
int sum_a(const struct item *v, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += weigh(&v[i]);
	return s;
}
