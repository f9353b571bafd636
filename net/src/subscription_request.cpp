#include "subscription_request.hpp"

#include <cctype>
#include <charconv>
#include <optional>

namespace respcache::net::detail {

namespace {

// Reads "<marker><digits>\r\n" at `at`, moving past it.
std::optional<std::size_t> header(std::string_view bytes, std::size_t& at, char marker) noexcept {
    if (at >= bytes.size() || bytes[at] != marker) return std::nullopt;
    std::size_t value = 0;
    const char* first = bytes.data() + at + 1;
    const char* last = bytes.data() + bytes.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || last - end < 2 || end[0] != '\r' || end[1] != '\n')
        return std::nullopt;
    at = static_cast<std::size_t>(end - bytes.data()) + 2;
    return value;
}

std::optional<std::string_view> bulk(std::string_view bytes, std::size_t& at) noexcept {
    const auto length = header(bytes, at, '$');
    if (!length || bytes.size() - at < *length + 2) return std::nullopt;
    const std::string_view body = bytes.substr(at, *length);
    at += *length + 2;
    return body;
}

}  // namespace

std::uint32_t channel_hash(std::string_view channel) noexcept {
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (const char c : channel) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h == 0 ? 1 : h;  // 0 means "any channel"
}

subscription_shape shape_of_subscription(std::string_view encoded) noexcept {
    std::size_t at = 0;
    const auto count = header(encoded, at, '*');
    if (!count || *count == 0) return {};
    const auto name = bulk(encoded, at);
    if (!name || name->size() > 16) return {};
    char lower[16];
    for (std::size_t i = 0; i < name->size(); ++i)
        lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>((*name)[i])));
    subscription_shape shape{pubsub_kind_of(std::string_view(lower, name->size())), 0};
    if (!is_confirmation(shape.confirms)) return {};
    if (*count == 2)
        if (const auto channel = bulk(encoded, at)) shape.channel_hash = channel_hash(*channel);
    return shape;
}

}  // namespace respcache::net::detail
