#include "redis_cluster.hpp"

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "loopback.hpp"
#include "run_command.hpp"

#include <poll.h>
#include <unistd.h>

namespace respcache::testing {

namespace {

std::string redis_cli() {
    const char* binary = std::getenv("REDIS_CLI");
    return binary ? binary : "redis-cli";
}

// The text of a RESP2 bulk string reply ("$n\r\n...\r\n"), or the reply.
std::string bulk_text(const std::string& reply) {
    if (reply.empty() || reply[0] != '$') return reply;
    const auto start = reply.find("\r\n");
    if (start == std::string::npos) return {};
    std::string text = reply.substr(start + 2);
    if (text.size() >= 2) text.resize(text.size() - 2);
    return text;
}

// One command to 127.0.0.1:port over a fresh socket, read up to the end of
// its reply (a simple string, error, integer or bulk string): a RESP2 reply,
// "" when the node does not answer within a second.
std::string query(std::uint16_t port, const std::vector<std::string>& args) {
    const int fd = connect_loopback(port);
    if (fd < 0) return {};
    std::string request = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) request += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    std::string reply;
    if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
        char buffer[16384];
        pollfd p{fd, POLLIN, 0};
        while (::poll(&p, 1, 1000) > 0) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n <= 0) break;
            reply.append(buffer, static_cast<std::size_t>(n));
            const auto line_end = reply.find("\r\n");
            if (line_end == std::string::npos) continue;
            if (reply[0] != '$') break;
            const long length = std::atol(reply.c_str() + 1);
            if (length < 0 || reply.size() >= line_end + 2 + static_cast<std::size_t>(length) + 2)
                break;
        }
    }
    ::close(fd);
    return reply;
}

}  // namespace

redis_cluster::redis_cluster(settings s) : settings_(s) {
    const int total = s.primaries * (1 + s.replicas_per_primary);
    for (int i = 0; i < total; ++i) {
        redis_server::settings node;
        node.extra = {"--cluster-enabled", "yes", "--cluster-node-timeout",
                      std::to_string(s.node_timeout.count()),
                      // A slot without a primary fails only its own commands.
                      "--cluster-require-full-coverage", "no",
                      // Replicas in sync at once (no 5 s wait for more
                      // replicas), and promoted however long they were cut off.
                      "--repl-diskless-sync-delay", "0", "--cluster-replica-validity-factor", "0"};
        node.extra.insert(node.extra.end(), s.extra_arguments.begin(), s.extra_arguments.end());
        nodes_.push_back(std::make_unique<redis_server>(node));
    }
    std::string create = redis_cli() + " --cluster create";
    for (const auto& n : nodes_) create += " 127.0.0.1:" + std::to_string(n->port());
    create += " --cluster-replicas " + std::to_string(s.replicas_per_primary) +
              " --cluster-yes >/dev/null";
    const auto created = run_command(create);
    if (created.status != 0) throw std::runtime_error("redis-cli --cluster create failed");
    if (!wait_until_ok())
        throw std::runtime_error("the test cluster did not reach cluster_state:ok");
}

redis_cluster::~redis_cluster() = default;

std::size_t redis_cluster::index_of_port(std::uint16_t port) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i]->port() == port) return i;
    throw std::runtime_error("no test cluster node on port " + std::to_string(port));
}

std::string redis_cluster::command(std::size_t i, const std::vector<std::string>& args) const {
    return query(nodes_[i]->port(), args);
}

std::string redis_cluster::seeds() const {
    std::string out;
    for (const auto& n : nodes_) {
        if (!out.empty()) out += ',';
        out += "127.0.0.1:" + std::to_string(n->port());
    }
    return out;
}

std::string redis_cluster::any_running_command(const std::vector<std::string>& args) const {
    for (const auto& n : nodes_)
        if (n->running()) return query(n->port(), args);
    throw std::runtime_error("no test cluster node is running");
}

std::vector<redis_cluster::node_info> redis_cluster::nodes() const {
    std::vector<node_info> out;
    std::istringstream lines(bulk_text(any_running_command({"CLUSTER", "NODES"})));
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        node_info n;
        std::string address, flags, ping, pong, epoch, link;
        if (!(fields >> n.id >> address >> flags >> n.primary_id >> ping >> pong >> epoch >> link))
            continue;
        const auto colon = address.rfind(':', address.find('@'));
        n.port = static_cast<std::uint16_t>(std::atoi(address.c_str() + colon + 1));
        n.primary = flags.find("master") != std::string::npos;
        n.failed = flags.find("fail") != std::string::npos;
        std::string range;
        while (fields >> range) {
            if (range.starts_with("[")) continue;  // a slot being migrated
            const auto dash = range.find('-');
            const int first = std::atoi(range.c_str());
            const int last =
                dash == std::string::npos ? first : std::atoi(range.c_str() + dash + 1);
            n.slots.emplace_back(first, last);
        }
        out.push_back(std::move(n));
    }
    return out;
}

std::uint16_t redis_cluster::owner_of_slot(int slot) const {
    for (const node_info& n : nodes())
        if (n.primary && !n.failed)
            for (const auto& [first, last] : n.slots)
                if (slot >= first && slot <= last) return n.port;
    return 0;
}

int redis_cluster::keyslot(const std::string& key) const {
    const std::string reply = any_running_command({"CLUSTER", "KEYSLOT", key});
    return reply.starts_with(":") ? std::atoi(reply.c_str() + 1) : -1;
}

bool redis_cluster::wait_until_ok(std::chrono::milliseconds limit) const {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    const std::string known = "cluster_known_nodes:" + std::to_string(nodes_.size());
    while (std::chrono::steady_clock::now() < give_up) {
        bool all_ok = true;
        std::size_t replicas = 0;
        for (const auto& n : nodes_) {
            if (!n->running()) continue;
            const std::string info = query(n->port(), {"CLUSTER", "INFO"});
            const std::string replication = query(n->port(), {"INFO", "replication"});
            const bool replica = replication.find("role:slave") != std::string::npos;
            const bool replica_behind =
                replica && replication.find("master_link_status:up") == std::string::npos;
            if (info.find("cluster_state:ok") == std::string::npos ||
                info.find("cluster_slots_ok:16384") == std::string::npos ||
                info.find(known) == std::string::npos || replica_behind) {
                all_ok = false;
                break;
            }
            if (replica) ++replicas;
        }
        // Gossip lags behind each node's own view: every node must also list
        // each replica with its primary, or a test reading nodes() from any
        // of them misses one.
        for (const auto& n : nodes_) {
            if (!all_ok) break;
            if (!n->running()) continue;
            std::istringstream lines(bulk_text(query(n->port(), {"CLUSTER", "NODES"})));
            std::size_t listed = 0;
            for (std::string line; std::getline(lines, line);) {
                std::istringstream fields(line);
                std::string id, address, flags, primary_id;
                if (fields >> id >> address >> flags >> primary_id &&
                    flags.find("slave") != std::string::npos && primary_id != "-")
                    ++listed;
            }
            all_ok = listed >= replicas;
        }
        if (all_ok) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

bool redis_cluster::wait_until_primary(std::uint16_t port, std::chrono::milliseconds limit) const {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < give_up) {
        for (const node_info& n : nodes())
            if (n.port == port && n.primary && !n.failed && !n.slots.empty()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

std::string redis_cluster::id_of_port(std::uint16_t port) const {
    for (const node_info& n : nodes())
        if (n.port == port) return n.id;
    throw std::runtime_error("CLUSTER NODES does not list port " + std::to_string(port));
}

bool redis_cluster::move_slots(std::uint16_t from_port, std::uint16_t to_port, int count) const {
    const std::string command =
        redis_cli() + " --cluster reshard 127.0.0.1:" + std::to_string(from_port) +
        " --cluster-from " + id_of_port(from_port) + " --cluster-to " + id_of_port(to_port) +
        " --cluster-slots " + std::to_string(count) + " --cluster-yes >/dev/null";
    return run_command(command).status == 0;
}

std::uint16_t redis_cluster::other_primary(std::uint16_t port) const {
    for (const node_info& n : nodes())
        if (n.primary && !n.failed && n.port != port && !n.slots.empty()) return n.port;
    return 0;
}

std::uint16_t redis_cluster::replica_of(std::uint16_t port) const {
    const auto all = nodes();
    for (const node_info& primary : all) {
        if (primary.port != port) continue;
        for (const node_info& n : all)
            if (!n.primary && n.primary_id == primary.id) return n.port;
    }
    return 0;
}

bool redis_cluster::move_empty_slot(int slot, std::uint16_t to_port) const {
    const std::uint16_t from_port = owner_of_slot(slot);
    if (from_port == 0 || from_port == to_port) return false;
    const std::string from_id = id_of_port(from_port);
    const std::string to_id = id_of_port(to_port);
    const std::string s = std::to_string(slot);
    const auto ok = [](const std::string& reply) { return reply == "+OK\r\n"; };
    if (!ok(command(index_of_port(to_port), {"CLUSTER", "SETSLOT", s, "IMPORTING", from_id})))
        return false;
    if (!ok(command(index_of_port(from_port), {"CLUSTER", "SETSLOT", s, "MIGRATING", to_id})))
        return false;
    bool all = ok(command(index_of_port(to_port), {"CLUSTER", "SETSLOT", s, "NODE", to_id}));
    all = ok(command(index_of_port(from_port), {"CLUSTER", "SETSLOT", s, "NODE", to_id})) && all;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        const std::uint16_t port = nodes_[i]->port();
        if (port == from_port || port == to_port || !nodes_[i]->running()) continue;
        all = ok(command(i, {"CLUSTER", "SETSLOT", s, "NODE", to_id})) && all;
    }
    return all;
}

}  // namespace respcache::testing
