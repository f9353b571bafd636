#include "respcache/resp/reply.hpp"

#include <cstring>
#include <new>
#include <type_traits>

namespace respcache::resp {

namespace {
const detail::reply_node null_node;
const detail::reply_storage null_storage{&null_node, 1, "", 0, "", 0};
}  // namespace

reply::reply() noexcept : storage_(&null_storage) {}

std::string_view reply::verbatim_format() const noexcept {
    if (kind() != type::verbatim_string) return {};
    return {node().format, sizeof node().format};
}

reply reply::operator[](std::size_t i) const noexcept {
    auto it = begin();
    while (i-- > 0) ++it;
    return *it;
}

std::optional<reply> reply::find(std::string_view key) const noexcept {
    if (kind() != type::map && kind() != type::attribute) return std::nullopt;
    for (auto it = begin(); it != end(); ++it) {
        const reply k = *it;
        ++it;
        const bool textual = k.kind() == type::simple_string || k.kind() == type::blob_string ||
                             k.kind() == type::verbatim_string;
        if (textual && k.string() == key) return *it;
    }
    return std::nullopt;
}

reply reply::attributes() const noexcept {
    const std::uint32_t a = node().attribute;
    return a ? reply(storage_, a - 1) : reply();
}

owned_reply reply::to_owned() const {
    owned_reply copy;
    copy.block_ = owned_reply::copy_of(*storage_);
    copy.root_ = index_;
    return copy;
}

std::unique_ptr<owned_reply::block, owned_reply::block_deleter> owned_reply::copy_of(
    const detail::reply_storage& from) {
    static_assert(std::is_trivially_copyable_v<detail::reply_node>);
    static_assert(sizeof(block) % alignof(detail::reply_node) == 0);
    const std::size_t node_bytes = from.node_count * sizeof(detail::reply_node);
    const std::size_t total = sizeof(block) + node_bytes + from.byte_count + from.side_byte_count;
    char* memory = static_cast<char*>(::operator new(total));
    auto* b = ::new (memory) block{};
    char* nodes = memory + sizeof(block);
    char* bytes = nodes + node_bytes;
    char* side_bytes = bytes + from.byte_count;
    if (node_bytes) std::memcpy(nodes, from.nodes, node_bytes);
    if (from.byte_count) std::memcpy(bytes, from.bytes, from.byte_count);
    if (from.side_byte_count) std::memcpy(side_bytes, from.side_bytes, from.side_byte_count);
    b->storage = {reinterpret_cast<const detail::reply_node*>(nodes),
                  from.node_count,
                  bytes,
                  from.byte_count,
                  side_bytes,
                  from.side_byte_count};
    return std::unique_ptr<block, block_deleter>(b);
}

void owned_reply::block_deleter::operator()(block* b) const noexcept {
    b->~block();
    ::operator delete(static_cast<void*>(b));
}

owned_reply::owned_reply(const owned_reply& other)
    : block_(other.block_ ? copy_of(other.block_->storage) : nullptr), root_(other.root_) {}

owned_reply& owned_reply::operator=(const owned_reply& other) {
    if (this != &other) *this = owned_reply(other);
    return *this;
}

}  // namespace respcache::resp
