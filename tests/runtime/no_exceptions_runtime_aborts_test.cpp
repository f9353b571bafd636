// respcache::no_exceptions_runtime: in a -fno-exceptions program, what would
// have thrown ends the program with a message saying why, and everything
// that does not throw (allocation, strings, std::function) works as usual.

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace {

TEST(NoExceptionsRuntime, AllocationAndTheStandardLibraryWork) {
    std::vector<std::string> words;
    for (int i = 0; i < 1000; ++i) words.push_back(std::string(100, 'a') + std::to_string(i));
    EXPECT_EQ(words[999].substr(100), "999");
    std::function<int(int)> twice = [](int x) { return 2 * x; };
    EXPECT_EQ(twice(21), 42);
    delete[] new char[64];
}

TEST(NoExceptionsRuntimeDeathTest, AnOutOfRangeAccessAbortsNamingTheCheck) {
    const std::string text = "abc";
    // libstdc++'s wording of the check, its numbers left out.
    EXPECT_DEATH((void)text.at(7),
                 "fatal: basic_string::at: __n \\(which is %zu\\) >= this->size\\(\\)");
}

TEST(NoExceptionsRuntimeDeathTest, AnEmptyFunctionCallAborts) {
    const std::function<void()> empty;
    EXPECT_DEATH(empty(), "fatal: call of an empty std::function");
}

TEST(NoExceptionsRuntimeDeathTest, ExhaustedMemoryAborts) {
    const std::size_t impossible = ~std::size_t{0} / 2;
    // (Under AddressSanitizer its allocator reports the impossible size itself.)
    EXPECT_DEATH((void)::operator new(impossible),
                 "fatal: out of memory|requested allocation size");
}

TEST(NoExceptionsRuntimeDeathTest, TerminateAborts) {
    EXPECT_DEATH(std::terminate(), "");
}

}  // namespace
