// A C++ program whose exception leaves a noexcept function: the unwinder's
// search phase (libgcc_s) finds no handler there and the personality
// routine (libstdc++) calls std::terminate, so abort's caller chain runs
// through both libraries.
#include <stdexcept>
#include <string>

namespace ccrash {
struct Checker {
	__attribute__((noinline)) int check(const std::string &s)
	{
		if (s.size() > 3)
			throw std::length_error("too long: " + s);
		return (int)s.size();
	}
};

__attribute__((noinline)) int guarded(const std::string &s) noexcept
{
	Checker c;
	return c.check(s);
}
} // namespace ccrash

int main()
{
	return ccrash::guarded("abcdef");
}
