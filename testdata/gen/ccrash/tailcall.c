/* Threads blocked under functions that left by a tail call (a jump), for
 * the frames gdb makes up from DWARF call-site records (tailcall.sh): a
 * chain of three, a jump from code inlined into its function, paths that
 * share only their first or only their last jump, two paths with nothing
 * in common (gdb shows none), a self-recursive function (a loop), and
 * sem_wait through the PLT into libc's own jumps. main then aborts. */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
volatile int pick = 1;
static sem_t never;

NOINLINE void wait_here(int *p) { if (*p >= 0) pause(); __asm__ volatile(""); }
NOINLINE void other_wait(int *p) { if (*p >= 0) pause(); __asm__ volatile(""); }
/* a chain: c1 -> c2 -> c3 -> wait_here, each a jump */
NOINLINE void c3(int *p) { wait_here(p); }
NOINLINE void c2(int *p) { c3(p); }
NOINLINE void c1(int *p) { c2(p); }
/* the jump is in code inlined into via_inline */
static inline __attribute__((always_inline)) void chooser(int *p) { if (*p) wait_here(p); else other_wait(p); }
NOINLINE void via_inline(int *p) { chooser(p); }
/* both paths start with the same jump: head -> mid -> (left | right) -> wait_here */
NOINLINE void left(int *p) { wait_here(p); }
NOINLINE void right(int *p) { wait_here(p); }
NOINLINE void mid(int *p) { if (pick) left(p); else right(p); }
NOINLINE void head(int *p) { mid(p); }
/* both paths end with the same jump: fork2 -> (up | down) -> last -> wait_here */
NOINLINE void last(int *p) { wait_here(p); }
NOINLINE void up(int *p) { last(p); }
NOINLINE void down(int *p) { last(p); }
NOINLINE void fork2(int *p) { if (pick) up(p); else down(p); }
/* nothing in common: either -> (head | fork2) */
NOINLINE void either(int *p) { if (pick) head(p); else fork2(p); }
NOINLINE int self(int *p, int n) { if (n > 0) return self(p, n - 1); wait_here(p); return 0; }

static void *t_chain(void *a) { int v = 1; c1(&v); return a; }
static void *t_inline(void *a) { int v = 1; via_inline(&v); return a; }
static void *t_head(void *a) { int v = 1; head(&v); return a; }
static void *t_fork(void *a) { int v = 1; fork2(&v); return a; }
static void *t_either(void *a) { int v = 1; either(&v); return a; }
static void *t_self(void *a) { int v = 1; self(&v, 3); return a; }
static void *t_sem(void *a) { sem_wait(&never); return a; }

int main(void)
{
	void *(*fn[])(void *) = { t_chain, t_inline, t_head, t_fork, t_either, t_self, t_sem };
	pthread_t t;
	sem_init(&never, 0, 0);
	for (unsigned i = 0; i < sizeof fn / sizeof fn[0]; i++) {
		pthread_create(&t, 0, fn[i], 0);
		usleep(20000); /* the threads in creation order */
	}
	sleep(1);
	abort();
}
