// A C++ program that dies of an uncaught exception thrown in a worker
// thread while another waits in a condition variable and main in join.
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace ccrash {
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;

struct Parser {
	__attribute__((noinline)) int parse(const std::string &s)
	{
		if (s.empty() || s[0] != '{')
			throw std::runtime_error("bad document: " + s);
		return (int)s.size();
	}
};

static void *waiter(void *)
{
	pthread_mutex_lock(&mu);
	ready++;
	while (ready < 100)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return nullptr;
}

static void *worker(void *)
{
	for (;;) {
		pthread_mutex_lock(&mu);
		int r = ready;
		pthread_mutex_unlock(&mu);
		if (r >= 2)
			break;
	}
	usleep(100000); // main is in pthread_join by now
	Parser p;
	return (void *)(long)p.parse("not json");
}
} // namespace ccrash

int main()
{
	pthread_t a, b;
	pthread_create(&a, nullptr, ccrash::waiter, nullptr);
	pthread_create(&b, nullptr, ccrash::worker, nullptr);
	pthread_mutex_lock(&ccrash::mu);
	ccrash::ready++;
	pthread_mutex_unlock(&ccrash::mu);
	pthread_join(b, nullptr);
	pthread_join(a, nullptr);
	return 0;
}
