// For programs built with -fno-exceptions and linked with a static
// libstdc++, the smallest way to embed respcache: libstdc++'s helpers that
// throw (std::string's length checks, operator new's bad_alloc, an empty
// std::function called) pull in the exception machinery, the unwinder and,
// through the verbose terminate handler, the C++ demangler: about 100 KB of
// a 150 KB program. These definitions take their place and end the program
// with a message, which is what an exception does in a -fno-exceptions
// program anyway. Link only into programs that never catch an exception.

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>

namespace {

[[noreturn]] void fail(const char* what) noexcept {
    std::fprintf(stderr, "fatal: %s\n", what);
    std::abort();
}

}  // namespace

// The throw helpers of libstdc++'s <bits/functexcept.h>, all of them, so
// that its own definitions (and what they drag in) are never linked.
namespace std {

void __throw_bad_exception() {
    fail("bad exception");
}
void __throw_bad_alloc() {
    fail("out of memory");
}
void __throw_bad_array_new_length() {
    fail("bad array new length");
}
void __throw_bad_cast() {
    fail("bad cast");
}
void __throw_bad_typeid() {
    fail("bad typeid");
}
void __throw_bad_function_call() {
    fail("call of an empty std::function");
}
void __throw_logic_error(const char* what) {
    fail(what);
}
void __throw_domain_error(const char* what) {
    fail(what);
}
void __throw_invalid_argument(const char* what) {
    fail(what);
}
void __throw_length_error(const char* what) {
    fail(what);
}
void __throw_out_of_range(const char* what) {
    fail(what);
}
// The check that failed, as libstdc++ words it, without its numbers:
// formatting them would cost a printf call with a va_list in every program.
void __throw_out_of_range_fmt(const char* format, ...) {
    fail(format);
}
void __throw_runtime_error(const char* what) {
    fail(what);
}
void __throw_range_error(const char* what) {
    fail(what);
}
void __throw_overflow_error(const char* what) {
    fail(what);
}
void __throw_underflow_error(const char* what) {
    fail(what);
}

}  // namespace std

// operator new without bad_alloc (the replaceable forms; delete to match).
void* operator new(std::size_t size) {
    if (void* p = std::malloc(size != 0 ? size : 1)) return p;
    fail("out of memory");
}
void* operator new[](std::size_t size) {
    return ::operator new(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

// std::terminate's default handler, plain abort: the verbose one demangles
// the type of the exception in flight, and with it comes the demangler.
namespace __cxxabiv1 {
extern std::terminate_handler __terminate_handler;
std::terminate_handler __terminate_handler = std::abort;
}  // namespace __cxxabiv1
