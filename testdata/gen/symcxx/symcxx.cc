#include <vector>
#include <map>
#include <string>
namespace ns { template <class T> struct Box { T v; __attribute__((noinline)) T get() const { return v + 1; } };
static inline int sq(int x) { return x * x; }
__attribute__((noinline)) int work(std::vector<int> &v, std::map<std::string, int> &m) { int s = 0; for (int x : v) s += sq(x); m["a"] = s; return s; } }
namespace { __attribute__((noinline)) int anon(int x) { return x * 3; } }
int main() { std::vector<int> v{1,2,3}; std::map<std::string,int> m; ns::Box<long> b{2}; return ns::work(v, m) + b.get() + anon(2); }
