#include "respcache/resp/reply.hpp"

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
    copy.state_->nodes.assign(storage_->nodes, storage_->nodes + storage_->node_count);
    copy.state_->bytes.append(storage_->bytes, storage_->byte_count);
    copy.state_->side_bytes.append(storage_->side_bytes, storage_->side_byte_count);
    copy.state_->point_storage();
    copy.root_ = index_;
    return copy;
}

owned_reply::owned_reply() : state_(std::make_unique<state>()) {
    // A default owned reply is a single null.
    state_->nodes.emplace_back();
    state_->point_storage();
}

owned_reply::owned_reply(const owned_reply& other) : owned_reply() {
    if (!other.state_) return;
    *state_ = *other.state_;
    state_->point_storage();
    root_ = other.root_;
}

owned_reply& owned_reply::operator=(const owned_reply& other) {
    if (this != &other) *this = owned_reply(other);
    return *this;
}

void owned_reply::state::point_storage() noexcept {
    storage.nodes = nodes.data();
    storage.node_count = nodes.size();
    storage.bytes = bytes.data();
    storage.byte_count = bytes.size();
    storage.side_bytes = side_bytes.data();
    storage.side_byte_count = side_bytes.size();
}

}  // namespace respcache::resp
