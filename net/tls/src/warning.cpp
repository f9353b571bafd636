#include "warning.hpp"

#include <atomic>
#include <cstdio>

#include "respcache/net/tls/tls.hpp"

namespace respcache::net::tls {
namespace {

std::atomic<warning_handler> installed{nullptr};

}  // namespace

void set_warning_handler(warning_handler handler) noexcept {
    installed.store(handler, std::memory_order_release);
}

void warn(std::string_view message) noexcept {
    if (const warning_handler handler = installed.load(std::memory_order_acquire)) {
        handler(message);
        return;
    }
    std::fprintf(stderr, "respcache: warning: %.*s\n", static_cast<int>(message.size()),
                 message.data());
}

}  // namespace respcache::net::tls
