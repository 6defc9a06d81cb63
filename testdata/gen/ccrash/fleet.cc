// A C++ program with 64 threads that dies of a NULL dereference in one of
// them while the others wait in a queue's condition variable, in a pipe's
// read() under a template recursion, or in a functor's sleep, and main in
// pthread_join. Names to demangle: a namespace, a class template and its
// members, a function template, an operator(), a lambda.
#include <atomic>
#include <pthread.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace fleet {
static std::atomic<int> parked{ 0 };
static int pipefd[2];

template <typename T> class Queue {
public:
	__attribute__((noinline)) T pop()
	{
		pthread_mutex_lock(&mu_);
		parked++;
		while (items_.empty())
			pthread_cond_wait(&cv_, &mu_);
		T v = items_.back();
		items_.pop_back();
		pthread_mutex_unlock(&mu_);
		return v;
	}

private:
	pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv_ = PTHREAD_COND_INITIALIZER;
	std::vector<T> items_;
};

static Queue<std::string> jobs;

template <int N> __attribute__((noinline)) long descend(long x)
{
	if constexpr (N == 0) {
		char c;
		parked++;
		return read(pipefd[0], &c, 1) + x;
	} else {
		long r = descend<N - 1>(x + N);
		asm volatile("" ::: "memory"); // keep the call out of tail position
		return r;
	}
}

struct Napper {
	unsigned seconds;
	__attribute__((noinline)) unsigned operator()() const
	{
		parked++;
		return sleep(seconds);
	}
};

struct Account {
	long balance;
};

class Ledger {
public:
	explicit Ledger(std::vector<Account *> a) : accounts_(std::move(a)) {}
	__attribute__((noinline)) long total() const
	{
		long t = 0;
		for (const Account *a : accounts_)
			t += a->balance; // the third account is NULL
		return t;
	}

private:
	std::vector<Account *> accounts_;
};

static void *queue_worker(void *) { return (void *)jobs.pop().size(); }
static void *pipe_worker(void *) { return (void *)descend<6>(1); }
static void *nap_worker(void *)
{
	Napper n{ 1000 };
	return (void *)(unsigned long)n();
}
static void *crasher(void *)
{
	auto settle = [] {
		while (parked.load() < 62)
			usleep(1000);
		usleep(100000); // the others are blocked by now
	};
	settle();
	static Account a{ 1 }, b{ 2 };
	Ledger l({ &a, &b, nullptr });
	return (void *)l.total();
}
} // namespace fleet

int main()
{
	if (pipe(fleet::pipefd) != 0)
		return 1;
	std::vector<pthread_t> t(64);
	for (int i = 0; i < 63; i++)
		pthread_create(&t[i], nullptr,
			       i % 3 == 0 ? fleet::queue_worker : i % 3 == 1 ? fleet::pipe_worker : fleet::nap_worker,
			       nullptr);
	pthread_create(&t[63], nullptr, fleet::crasher, nullptr);
	for (auto &x : t)
		pthread_join(x, nullptr);
	return 0;
}
