#include "respcache/net/cluster/topology_reply.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "respcache/net/cluster/hash_slot.hpp"

namespace respcache::net::cluster {

namespace {

error malformed(std::string_view what, std::string_view detail) {
    return error{error_kind::protocol,
                 std::string(what) + " reply is malformed: " + std::string(detail)};
}

std::optional<std::uint16_t> to_slot(std::int64_t value) {
    if (value < 0 || value >= slot_count) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

// A node address from the reply, or nothing when the cluster does not know
// it ("?") or the port is not a port.
std::optional<endpoint> node_address(std::string_view host, std::int64_t port,
                                     const endpoint& answered_by) {
    if (host == "?" || port <= 0 || port > 65535) return std::nullopt;
    return endpoint::tcp(std::string(host.empty() ? std::string_view(answered_by.host) : host),
                         static_cast<std::uint16_t>(port));
}

// Integers may come as integers or (from some proxies) as text.
std::optional<std::int64_t> integer_of(const resp::reply& r) {
    if (r.kind() == resp::type::integer) return r.integer();
    const std::string_view text = r.string();
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// A RESP3 map or a RESP2 flat array of alternating names and values.
template <class Visit>
bool for_each_field(const resp::reply& r, Visit&& visit) {
    if (r.kind() != resp::type::map && r.kind() != resp::type::array) return false;
    if (r.kind() == resp::type::array && r.size() % 2 != 0) return false;
    for (auto it = r.begin(); it != r.end(); ++it) {
        const resp::reply name = *it;
        ++it;
        visit(name.string(), *it);
    }
    return true;
}

shard& shard_for(topology& t, const endpoint& primary) {
    for (shard& s : t.shards)
        if (s.primary == primary) return s;
    t.shards.push_back(shard{primary, {}, {}});
    return t.shards.back();
}

}  // namespace

result<topology> parse_cluster_slots(const resp::reply& reply, const endpoint& answered_by) {
    constexpr std::string_view what = "CLUSTER SLOTS";
    if (reply.kind() != resp::type::array) return malformed(what, "not an array");
    topology t;
    for (const resp::reply range : reply) {
        if (range.kind() != resp::type::array || range.size() < 3)
            return malformed(what, "a range is not [first, last, primary, ...]");
        auto it = range.begin();
        const auto first = integer_of(*it++);
        const auto last = integer_of(*it++);
        if (!first || !last || !to_slot(*first) || !to_slot(*last) || *first > *last)
            return malformed(what, "a slot number is out of range");
        std::optional<endpoint> primary;
        std::vector<endpoint> replicas;
        for (bool is_primary = true; it != range.end(); ++it, is_primary = false) {
            const resp::reply node = *it;
            if (node.kind() != resp::type::array || node.size() < 2)
                return malformed(what, "a node is not [host, port, ...]");
            const auto port = integer_of(node[1]);
            if (!port) return malformed(what, "a port is not a number");
            auto address = node_address(node[0].string(), *port, answered_by);
            if (is_primary)
                primary = std::move(address);
            else if (address)
                replicas.push_back(std::move(*address));
        }
        if (!primary) continue;
        shard& s = shard_for(t, *primary);
        s.slots.push_back(slot_range{*to_slot(*first), *to_slot(*last)});
        for (endpoint& r : replicas)
            if (std::find(s.replicas.begin(), s.replicas.end(), r) == s.replicas.end())
                s.replicas.push_back(std::move(r));
    }
    return t;
}

result<topology> parse_cluster_shards(const resp::reply& reply, const endpoint& answered_by) {
    constexpr std::string_view what = "CLUSTER SHARDS";
    if (reply.kind() != resp::type::array) return malformed(what, "not an array");
    topology t;
    for (const resp::reply entry : reply) {
        std::vector<slot_range> slots;
        std::optional<endpoint> primary;
        std::vector<endpoint> replicas;
        bool well_formed = true;
        const bool is_map = for_each_field(entry, [&](std::string_view name, resp::reply value) {
            if (name == "slots") {
                if (value.kind() != resp::type::array || value.size() % 2 != 0) {
                    well_formed = false;
                    return;
                }
                for (auto it = value.begin(); it != value.end(); ++it) {
                    const auto first = integer_of(*it);
                    const auto last = integer_of(*++it);
                    if (!first || !last || !to_slot(*first) || !to_slot(*last) || *first > *last) {
                        well_formed = false;
                        return;
                    }
                    slots.push_back(slot_range{*to_slot(*first), *to_slot(*last)});
                }
            } else if (name == "nodes") {
                if (value.kind() != resp::type::array) {
                    well_formed = false;
                    return;
                }
                for (const resp::reply node : value) {
                    std::string_view ip, preferred, role, health;
                    std::int64_t port = 0;
                    const bool node_is_map =
                        for_each_field(node, [&](std::string_view field, resp::reply v) {
                            if (field == "ip")
                                ip = v.string();
                            else if (field == "endpoint")
                                preferred = v.string();
                            else if (field == "role")
                                role = v.string();
                            else if (field == "health")
                                health = v.string();
                            else if (field == "port")
                                port = integer_of(v).value_or(0);
                        });
                    if (!node_is_map) {
                        well_formed = false;
                        return;
                    }
                    if (health != "online") continue;
                    const std::string_view host = preferred.empty() ? ip : preferred;
                    auto address = node_address(host, port, answered_by);
                    if (!address) continue;
                    if (role == "master" || role == "primary")
                        primary = std::move(address);
                    else
                        replicas.push_back(std::move(*address));
                }
            }
        });
        if (!is_map || !well_formed) return malformed(what, "a shard is not {slots, nodes}");
        if (!primary || slots.empty()) continue;
        shard& s = shard_for(t, *primary);
        s.slots.insert(s.slots.end(), slots.begin(), slots.end());
        s.replicas.insert(s.replicas.end(), replicas.begin(), replicas.end());
    }
    return t;
}

}  // namespace respcache::net::cluster
