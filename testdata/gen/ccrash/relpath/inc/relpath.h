/* An inline function of a header found through -I: its frame names this
 * file by its directory entry, relative ("src/inc/relpath.h"). */
static inline int deref(const int *p)
{
	return *p + 1;
}
