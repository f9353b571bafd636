#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace respcache::cache {

// A clock a test moves by hand (one thread at a time).
struct manual_clock {
    using clock = std::chrono::system_clock;
    std::shared_ptr<clock::time_point> now =
        std::make_shared<clock::time_point>(clock::time_point(std::chrono::seconds(1'704'067'200)));
    void advance(clock::duration d) const { *now += d; }
    std::function<clock::time_point()> source() const {
        return [now = now] { return *now; };
    }
};

}  // namespace respcache::cache
