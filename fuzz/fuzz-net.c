/* Connection and descriptor readers (lib/net): the first byte picks the
 * kind (0 = detect from the content, as `coroner net` does; else one
 * reader forced onto any text), the rest is the file. The snapshot then
 * goes through cr_netreport_compute and a growth against itself, and the
 * totals must reconcile: descriptors by kind add up to the open count,
 * TCP states to the TCP total, the process's sockets are part of the table. */
#include "coroner/net.h"
#include "coroner/netreport.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	if (size < 1)
		return 0;
	size_t before = cr_mem_in_use();
	enum cr_net_kind kind = (enum cr_net_kind)(data[0] % CR_NET__N);
	struct cr_netsnap s;
	struct cr_buf warn = { 0 };
	struct cr_error e = { 0 };
	cr_netsnap_init(&s);
	enum cr_err rc = cr_netsnap_parse(&s, data + 1, size - 1, kind, "fuzz", &warn, &e);
	fuzz_check_error(rc, &e);
	/* a second file into the same snapshot (lsof after a listing, ...) */
	if (rc == CR_OK && size > 2) {
		struct cr_error e2 = { 0 };
		enum cr_err r2 = cr_netsnap_parse(&s, data + 2, size - 2, CR_NET_UNKNOWN, "fuzz2", &warn, &e2);
		fuzz_check_error(r2, &e2);
	}
	if (rc == CR_OK) {
		struct cr_netreport a, b;
		struct cr_error re = { 0 };
		enum cr_err r2 = cr_netreport_compute(&a, &s, NULL, &re);
		fuzz_check_error(r2, &re);
		if (r2 == CR_OK) {
			int64_t k = 0, t = 0;
			for (unsigned i = 0; i < CR_FD__N; i++)
				k += a.by_kind[i];
			for (unsigned i = 0; i < CR_TCP__N; i++)
				t += a.by_state[i];
			if (a.has_fds && k != a.fds_open)
				fuzz_die("descriptors by kind do not add up");
			if (t != a.tcp_total || a.tcp_total > a.table_total)
				fuzz_die("TCP states do not add up");
			if (cr_netreport_compute(&b, &s, NULL, &re) == CR_OK) {
				struct cr_netgrowth *g;
				size_t n;
				if (cr_netreport_growth(&a, &b, &g, &n, &re) == CR_OK && n != 0)
					fuzz_die("a snapshot grew against itself");
				cr_netreport_release(&b);
			}
			cr_netreport_release(&a);
		}
	}
	cr_netsnap_release(&s);
	cr_buf_release(&warn);
	fuzz_check_balanced(before);
	return 0;
}
