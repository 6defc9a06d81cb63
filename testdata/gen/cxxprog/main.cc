// cxxprog: a C++ program whose hot code is in namespaced classes,
// templates and overloads, profiled by gperftools' CPU profiler
// (CPUPROFILE=FILE): pprof names its frames by their demangled names.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace shapes {

template <typename T>
struct Accum {
	T total = 0;
	__attribute__((noinline)) void add(const std::vector<T> &v)
	{
		for (size_t i = 0; i < v.size(); i++)
			total += v[i] * v[i] + total / 8;
	}
};

class Hasher {
public:
	explicit Hasher(uint64_t seed) : h_(seed) {}
	__attribute__((noinline)) uint64_t mix(uint64_t x)
	{
		for (int i = 0; i < 64; i++) {
			h_ ^= x + 0x9e3779b97f4a7c15ull + (h_ << 6) + (h_ >> 2);
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		}
		return h_;
	}
	__attribute__((noinline)) uint64_t mix(const char *s)
	{
		uint64_t v = 0;
		for (; *s; s++)
			v = mix(v + (unsigned char)*s);
		return v;
	}

private:
	uint64_t h_;
};

} // namespace shapes

__attribute__((noinline)) static uint64_t run(int rounds)
{
	shapes::Accum<uint64_t> a;
	shapes::Accum<double> d;
	shapes::Hasher h(7);
	std::vector<uint64_t> v(4096);
	std::vector<double> w(4096);
	for (size_t i = 0; i < v.size(); i++) {
		v[i] = i * 2654435761u;
		w[i] = (double)i / 3;
	}
	uint64_t r = 0;
	for (int k = 0; k < rounds; k++) {
		a.add(v);
		d.add(w);
		r ^= h.mix((uint64_t)k);
		r ^= h.mix("profile");
	}
	return r + a.total + (uint64_t)d.total;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20000;
	printf("%llu\n", (unsigned long long)run(rounds));
	return 0;
}
