#include <gtest/gtest.h>

#include "respcache/cache/telemetry.hpp"

namespace respcache::cache {
namespace {

using std::chrono::nanoseconds;

TEST(LatencyHistogram, EveryDurationFallsInABucketBoundingIt) {
    for (std::int64_t d = 0; d < 5000; ++d) {
        const std::size_t b = latency_snapshot::bucket_of(nanoseconds(d));
        EXPECT_LE(d, latency_snapshot::upper_bound(b).count()) << d;
        if (b > 0) {
            EXPECT_GT(d, latency_snapshot::upper_bound(b - 1).count()) << d;
        }
    }
    for (std::int64_t d = 1000; d < (std::int64_t{1} << 43); d = d * 3 / 2) {
        const std::size_t b = latency_snapshot::bucket_of(nanoseconds(d));
        const auto bound = latency_snapshot::upper_bound(b).count();
        EXPECT_LE(d, bound);
        EXPECT_LE(bound, d + d / 4 + 1) << "buckets are a quarter octave wide";
    }
    EXPECT_EQ(latency_snapshot::bucket_of(nanoseconds::max()), latency_snapshot::bucket_count - 1);
}

TEST(LatencyHistogram, QuantilesComeFromTheRecordedDurations) {
    latency_histogram h;
    EXPECT_EQ(h.snapshot().quantile(0.99), nanoseconds(0));
    for (int i = 0; i < 99; ++i) h.record(std::chrono::microseconds(100));
    h.record(std::chrono::milliseconds(50));
    const latency_snapshot s = h.snapshot();
    EXPECT_EQ(s.count(), 100u);
    EXPECT_GE(s.quantile(0.5), std::chrono::microseconds(100));
    EXPECT_LT(s.quantile(0.5), std::chrono::microseconds(125));
    EXPECT_GE(s.quantile(1.0), std::chrono::milliseconds(50));
    EXPECT_LT(s.quantile(1.0), std::chrono::milliseconds(63));
}

TEST(CommandEvent, UsesOpenTelemetryNames) {
    EXPECT_EQ(otel::db_system_name, "db.system.name");
    EXPECT_EQ(otel::db_operation_name, "db.operation.name");
    EXPECT_EQ(otel::server_address, "server.address");
    EXPECT_EQ(otel::server_port, "server.port");
    EXPECT_EQ(command_event{}.db_system_name, "redis");
}

}  // namespace
}  // namespace respcache::cache
