/* shared by both units of dwzpart: dwz (without -m) moves what they both have (this
 * inline function's abstract DIE, the struct) into a partial unit */
struct item { const char *name; int weight; };
static inline __attribute__((always_inline)) int weigh(const struct item *it)
{
	return it->weight * 3 + (int)it->name[0];
}
int sum_a(const struct item *v, int n);
int sum_b(const struct item *v, int n);
