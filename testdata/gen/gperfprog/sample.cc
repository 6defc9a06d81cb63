// tcmalloc's sampled heap profile ("@ heap_v2/RATE", GetHeapSample) and its
// growth stacks ("@ growthz", GetHeapGrowthStacks), written to files for
// gperfprog (main.c), which is C: these exist only in the C++ API.
#include <gperftools/malloc_extension.h>
#include <cstdio>
#include <string>

static void put(const char *path, const std::string &s)
{
	FILE *f = std::fopen(path, "w");
	if (!f)
		return;
	std::fwrite(s.data(), 1, s.size(), f);
	std::fclose(f);
}

extern "C" void gperf_write_samples(const char *heap_path, const char *growth_path)
{
	std::string s;
	MallocExtension::instance()->GetHeapSample(&s);
	put(heap_path, s);
	s.clear();
	MallocExtension::instance()->GetHeapGrowthStacks(&s);
	put(growth_path, s);
}
