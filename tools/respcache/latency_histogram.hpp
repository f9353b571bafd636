#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace respcache::tools {

// Latencies in nanoseconds, log-linear buckets (32 per power of two, so
// about 3% resolution), fixed size: recording never allocates.
class latency_histogram {
  public:
    void record(std::uint64_t nanoseconds) noexcept {
        ++counts_[bucket_of(nanoseconds)];
        ++total_;
        if (nanoseconds > max_) max_ = nanoseconds;
    }
    void merge(const latency_histogram& other) noexcept {
        for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
        total_ += other.total_;
        if (other.max_ > max_) max_ = other.max_;
    }
    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t max() const noexcept { return max_; }

    // The smallest recorded bucket value v such that a fraction q of all
    // samples are <= v (q in [0, 1]).
    std::uint64_t quantile(double q) const noexcept {
        if (total_ == 0) return 0;
        const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= rank) return std::min(upper_bound_of(i), max_);
        }
        return max_;
    }

  private:
    static constexpr unsigned sub_bits = 5;
    static constexpr std::size_t linear = std::size_t{1} << (sub_bits + 1);  // exact below this

    static std::size_t bucket_of(std::uint64_t v) noexcept {
        if (v < linear) return static_cast<std::size_t>(v);
        const unsigned exponent = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= sub_bits + 1
        const std::uint64_t sub = (v >> (exponent - sub_bits)) & ((1u << sub_bits) - 1);
        return linear + (exponent - sub_bits - 1) * (std::size_t{1} << sub_bits) +
               static_cast<std::size_t>(sub);
    }
    static std::uint64_t upper_bound_of(std::size_t bucket) noexcept {
        if (bucket < linear) return bucket;
        const std::size_t offset = bucket - linear;
        const unsigned exponent = static_cast<unsigned>(offset >> sub_bits) + sub_bits + 1;
        const std::uint64_t sub = offset & ((std::size_t{1} << sub_bits) - 1);
        const std::uint64_t step = std::uint64_t{1} << (exponent - sub_bits);
        return (std::uint64_t{1} << exponent) + (sub + 1) * step - 1;
    }

    std::array<std::uint64_t, linear + (64 - sub_bits - 1) * (1u << sub_bits)> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace respcache::tools
