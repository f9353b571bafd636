#include "respcache/cache/telemetry.hpp"

#include <bit>

namespace respcache::cache {

std::uint64_t latency_snapshot::count() const noexcept {
    std::uint64_t total = 0;
    for (std::uint64_t c : counts) total += c;
    return total;
}

// Bucket e * 4 + (k - 4) holds the durations d with 2^e <= d < 2^(e+1) and
// k = floor(4 d / 2^e), k in [4, 8).
std::size_t latency_snapshot::bucket_of(std::chrono::nanoseconds duration) noexcept {
    if (duration.count() <= 1) return 0;
    const auto d = static_cast<std::uint64_t>(duration.count());
    const unsigned e = static_cast<unsigned>(std::bit_width(d)) - 1;
    const std::uint64_t k = e >= 2 ? d >> (e - 2) : (d << 2) >> e;
    const std::size_t bucket = e * sub_buckets + static_cast<std::size_t>(k - sub_buckets);
    return bucket < bucket_count ? bucket : bucket_count - 1;
}

std::chrono::nanoseconds latency_snapshot::upper_bound(std::size_t bucket) noexcept {
    const std::size_t e = bucket / sub_buckets;
    const std::uint64_t k = bucket % sub_buckets + sub_buckets;
    return std::chrono::nanoseconds(
        static_cast<std::int64_t>((((k + 1) << e) + sub_buckets - 1) / sub_buckets - 1));
}

std::chrono::nanoseconds latency_snapshot::quantile(double q) const noexcept {
    const std::uint64_t total = count();
    if (total == 0) return std::chrono::nanoseconds(0);
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += counts[i];
        if (seen >= rank) return upper_bound(i);
    }
    return upper_bound(bucket_count - 1);
}

latency_snapshot latency_histogram::snapshot() const noexcept {
    latency_snapshot s;
    for (std::size_t i = 0; i < counts_.size(); ++i)
        s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    return s;
}

}  // namespace respcache::cache
