#include "respcache/net/cluster/cluster_error.hpp"

#include <charconv>
#include <string>

#include "respcache/net/cluster/hash_slot.hpp"

namespace respcache::net::cluster {

namespace {

bool starts_with_word(std::string_view message, std::string_view word) {
    return message.starts_with(word) &&
           (message.size() == word.size() || message[word.size()] == ' ');
}

// "<slot> <host>:<port>", the host possibly empty or an IPv6 address.
bool parse_redirection(std::string_view rest, const endpoint& answered_by, cluster_error& out) {
    const auto space = rest.find(' ');
    if (space == std::string_view::npos) return false;
    unsigned slot = 0;
    const auto [slot_end, slot_ec] = std::from_chars(rest.data(), rest.data() + space, slot);
    if (slot_ec != std::errc{} || slot_end != rest.data() + space || slot >= slot_count)
        return false;
    const std::string_view address = rest.substr(space + 1);
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    const std::string_view port_text = address.substr(colon + 1);
    unsigned port = 0;
    const auto [port_end, port_ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_ec != std::errc{} || port_end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
        return false;
    std::string_view host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    out.slot = static_cast<std::uint16_t>(slot);
    out.target =
        endpoint::tcp(std::string(host.empty() ? std::string_view(answered_by.host) : host),
                      static_cast<std::uint16_t>(port));
    return true;
}

}  // namespace

cluster_error classify_error(std::string_view message, const endpoint& answered_by) {
    cluster_error e;
    if (starts_with_word(message, "MOVED") || starts_with_word(message, "ASK")) {
        const bool moved = message[1] == 'O';
        const std::size_t prefix = moved ? 6 : 4;
        if (message.size() > prefix && parse_redirection(message.substr(prefix), answered_by, e))
            e.what = moved ? cluster_error::kind::moved : cluster_error::kind::ask;
        return e;
    }
    if (starts_with_word(message, "TRYAGAIN"))
        e.what = cluster_error::kind::try_again;
    else if (starts_with_word(message, "CLUSTERDOWN"))
        e.what = cluster_error::kind::cluster_down;
    else if (starts_with_word(message, "LOADING"))
        e.what = cluster_error::kind::loading;
    else if (starts_with_word(message, "MASTERDOWN"))
        e.what = cluster_error::kind::master_down;
    return e;
}

}  // namespace respcache::net::cluster
