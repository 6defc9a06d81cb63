/* A C program whose threads are in signal handlers when it dies:
 *   parked   gets SIGUSR2 while it spins in spin(); its handler waits in
 *            nanosleep() for ever (a thread stopped in a handler)
 *   worker   gets SIGUSR1 while it spins in busy(); its handler stores
 *            through a NULL pointer (a thread that crashes in a handler)
 *   main     waits in pthread_join.
 * The handlers are installed without SA_RESTORER of our own: the return
 * goes through the C library's or the system's sigreturn trampoline. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static volatile int parked_in, spinning, looping;
static volatile long sink;
static int *volatile nowhere;

__attribute__((noinline)) static void wait_forever(void)
{
	struct timespec ts = { 1000, 0 };
	for (;;)
		nanosleep(&ts, NULL);
}

static void on_usr2(int sig)
{
	parked_in = sig;
	wait_forever();
}

static volatile int last_sig;

__attribute__((noinline)) static void store(void)
{
	*nowhere = last_sig;
}

static void on_usr1(int sig)
{
	last_sig = sig;
	store();
}

__attribute__((noinline)) static void spin(void)
{
	looping = 1;
	for (long i = 0;; i++)
		sink = i;
}

__attribute__((noinline)) static void busy(void)
{
	spinning = 1;
	for (long i = 0;; i++)
		sink += i;
}

static void *parked(void *arg)
{
	(void)arg;
	spin();
	return NULL;
}

static void *worker(void *arg)
{
	(void)arg;
	busy();
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t a, b;
	pthread_create(&a, NULL, parked, NULL);
	while (!looping)
		;
	while (!parked_in)
		pthread_kill(a, SIGUSR2);
	pthread_create(&b, NULL, worker, NULL);
	while (!spinning)
		;
	pthread_kill(b, SIGUSR1);
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	return 0;
}
