#include <gtest/gtest.h>

#include "respcache/cache/entry_options.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::system_clock;

// 2024-01-01T00:00:00Z: 638396640000000000 ticks, as .NET's
// new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks says.
const clock::time_point new_year_2024 = clock::time_point(1'704'067'200s);

TEST(DotnetTicks, ConvertBothWays) {
    EXPECT_EQ(to_dotnet_ticks(clock::time_point()), unix_epoch_ticks);
    EXPECT_EQ(to_dotnet_ticks(new_year_2024), 638'396'640'000'000'000);
    EXPECT_EQ(to_dotnet_ticks(new_year_2024 + 1234567ns), 638'396'640'000'012'345);
    EXPECT_EQ(from_dotnet_ticks(638'396'640'000'012'345), new_year_2024 + 1234500ns);
    EXPECT_EQ(ticks(1s).count(), 10'000'000);
}

TEST(DotnetTicks, FarFutureClampsToTheClockRange) {
    const std::int64_t year_9999 = 3'155'378'975'999'999'999;  // DateTimeOffset.MaxValue
    EXPECT_EQ(from_dotnet_ticks(year_9999), clock::time_point::max());
    EXPECT_EQ(from_dotnet_ticks(0), clock::time_point::min());
}

TEST(EntryOptions, NoneMeansNeverExpires) {
    auto e = resolve({}, new_year_2024);
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->absolute);
    EXPECT_FALSE(e->sliding);
    EXPECT_EQ(e->lifetime(new_year_2024), std::nullopt);
    EXPECT_EQ(e->deadline(new_year_2024), clock::time_point::max());
}

TEST(EntryOptions, RelativeOverridesAbsolute) {
    entry_options o = entry_options::absolute(new_year_2024 + 1h);
    o.absolute_expiration_relative_to_now = 10s;
    auto e = resolve(o, new_year_2024);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->absolute, new_year_2024 + 10s);
}

TEST(EntryOptions, LifetimeIsTheSmallerOfAbsoluteAndSliding) {
    entry_options o = entry_options::sliding(30s);
    o.absolute_expiration = new_year_2024 + 20s;
    auto e = resolve(o, new_year_2024);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->lifetime(new_year_2024), ticks(20s));
    EXPECT_EQ(e->lifetime(new_year_2024 - 15s), ticks(30s));
    EXPECT_EQ(e->deadline(new_year_2024), new_year_2024 + 20s);
    EXPECT_EQ(e->deadline(new_year_2024 - 15s), new_year_2024 + 15s);
    EXPECT_EQ(e->lifetime(new_year_2024 + 25s), ticks(-5s));

    auto sliding_only = resolve(entry_options::sliding(30s), new_year_2024);
    ASSERT_TRUE(sliding_only);
    EXPECT_EQ(sliding_only->lifetime(new_year_2024), ticks(30s));
    EXPECT_EQ(sliding_only->deadline(new_year_2024), new_year_2024 + 30s);
}

TEST(EntryOptions, InvalidOptionsNameTheOptionAndTheValue) {
    auto sliding = resolve(entry_options::sliding(-250ms), new_year_2024);
    ASSERT_FALSE(sliding);
    EXPECT_EQ(sliding.error_value().kind, error_kind::config);
    EXPECT_EQ(sliding.error_value().message,
              "invalid entry options: sliding_expiration must be positive, got -250 ms");

    auto relative = resolve(entry_options::expires_in(0s), new_year_2024);
    ASSERT_FALSE(relative);
    EXPECT_EQ(relative.error_value().message,
              "invalid entry options: absolute_expiration_relative_to_now must be positive, got "
              "0 ms");

    auto past = resolve(entry_options::absolute(new_year_2024 - 2s), new_year_2024);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error_value().message,
              "invalid entry options: absolute_expiration must be in the future; it is 2000 ms "
              "in the past");

    auto now = resolve(entry_options::absolute(new_year_2024), new_year_2024);
    ASSERT_FALSE(now);
    EXPECT_EQ(now.error_value().message,
              "invalid entry options: absolute_expiration must be in the future; it is now");

    // As .NET: a past absolute expiration is refused even when a relative
    // one would override it.
    entry_options both = entry_options::absolute(new_year_2024 - 1s);
    both.absolute_expiration_relative_to_now = 10s;
    EXPECT_FALSE(resolve(both, new_year_2024));
}

TEST(EntryOptions, HugeDurationsSaturate) {
    auto e = resolve(entry_options::expires_in(ticks(std::numeric_limits<std::int64_t>::max())),
                     new_year_2024);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->absolute, clock::time_point::max());
    auto s = resolve(entry_options::sliding(ticks(std::numeric_limits<std::int64_t>::max())),
                     new_year_2024);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->deadline(new_year_2024), clock::time_point::max());
}

}  // namespace
}  // namespace respcache::cache
