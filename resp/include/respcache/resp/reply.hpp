#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/type.hpp"

namespace respcache::resp {

namespace detail {

// One value of a reply, stored flat in wire (pre-order) order. Strings are
// offsets, not pointers, so the bytes they point into may move while a reply
// is still arriving.
struct reply_node {
    union {
        std::int64_t integer;
        double number;
        std::uint64_t offset;  // strings: first byte, relative to the reply's bytes
    };
    std::uint64_t size = 0;       // strings: length; aggregates: children (2 per map pair)
    std::uint32_t subtree = 1;    // nodes in this value, itself included, its attribute not
    std::uint32_t attribute = 0;  // index + 1 of the attribute node annotating this value
    type kind = type::null;
    bool in_side_bytes = false;  // string lives in the side bytes (joined streamed chunks)
    bool boolean = false;
    char format[3] = {0, 0, 0};  // verbatim strings

    reply_node() : offset(0) {}
};

// The kinds whose node holds a string (offset and size into the bytes).
constexpr bool has_string(type t) noexcept {
    constexpr unsigned textual = 1u << static_cast<unsigned>(type::simple_string) |
                                 1u << static_cast<unsigned>(type::simple_error) |
                                 1u << static_cast<unsigned>(type::blob_string) |
                                 1u << static_cast<unsigned>(type::blob_error) |
                                 1u << static_cast<unsigned>(type::verbatim_string) |
                                 1u << static_cast<unsigned>(type::big_number);
    return (textual >> static_cast<unsigned>(t)) & 1u;
}

// Where a reply's nodes and bytes are; owned by a reader or an owned_reply.
struct reply_storage {
    const reply_node* nodes = nullptr;
    std::size_t node_count = 0;
    const char* bytes = nullptr;
    std::size_t byte_count = 0;
    const char* side_bytes = nullptr;
    std::size_t side_byte_count = 0;
};

}  // namespace detail

class owned_reply;

// A read-only view of one value of a parsed reply. Cheap to copy. Strings
// are views into the reader's buffer: valid until the reader is used again,
// unless the reply was copied with to_owned().
class reply {
  public:
    reply() noexcept;  // a null
    reply(const detail::reply_storage* storage, std::uint32_t index)
        : storage_(storage), index_(index) {}

    type kind() const noexcept { return node().kind; }
    bool is_null() const noexcept { return kind() == type::null; }
    bool is_error() const noexcept { return resp::is_error(kind()); }
    bool is_aggregate() const noexcept { return resp::is_aggregate(kind()); }

    // The text of a simple string, blob, error, verbatim string (without its
    // format) or big number (its digits, sign included); empty otherwise.
    std::string_view string() const noexcept {
        const detail::reply_node& n = node();
        if (!detail::has_string(n.kind)) return {};
        const char* base = n.in_side_bytes ? storage_->side_bytes : storage_->bytes;
        return {base + n.offset, static_cast<std::size_t>(n.size)};
    }
    std::string_view verbatim_format() const noexcept;
    std::int64_t integer() const noexcept { return kind() == type::integer ? node().integer : 0; }
    double number() const noexcept { return kind() == type::double_number ? node().number : 0.0; }
    bool boolean() const noexcept { return node().boolean; }

    // Children of an aggregate, in wire order; a map's alternate key, value.
    std::size_t size() const noexcept { return is_aggregate() ? node().size : 0; }
    bool empty() const noexcept { return size() == 0; }
    reply operator[](std::size_t i) const noexcept;  // O(i); iterate for whole walks
    // The value stored under `key` in a map, compared as strings.
    std::optional<reply> find(std::string_view key) const noexcept;

    bool has_attributes() const noexcept { return node().attribute != 0; }
    // The attribute map annotating this value (a value of kind attribute).
    reply attributes() const noexcept;

    owned_reply to_owned() const;

    class iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = reply;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = reply;

        iterator() = default;
        iterator(const detail::reply_storage* s, std::uint32_t position)
            : storage_(s), position_(position) {}
        reply operator*() const noexcept { return reply(storage_, value_index()); }
        iterator& operator++() noexcept {
            const std::uint32_t v = value_index();
            position_ = v + storage_->nodes[v].subtree;
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator copy = *this;
            ++*this;
            return copy;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.position_ == b.position_;
        }

      private:
        // An attribute sits just before the value it annotates (the parser
        // rejects an attribute that is not followed by a value).
        std::uint32_t value_index() const noexcept {
            const detail::reply_node& n = storage_->nodes[position_];
            return n.kind == type::attribute ? position_ + n.subtree : position_;
        }
        const detail::reply_storage* storage_ = nullptr;
        std::uint32_t position_ = 0;  // node index, possibly of a leading attribute
    };
    iterator begin() const noexcept {
        return is_aggregate() ? iterator(storage_, index_ + 1) : end();
    }
    iterator end() const noexcept {
        return iterator(storage_, index_ + (is_aggregate() ? node().subtree : 0));
    }

    std::uint32_t index() const noexcept { return index_; }

  private:
    const detail::reply_node& node() const noexcept { return storage_->nodes[index_]; }
    const detail::reply_storage* storage_ = nullptr;
    std::uint32_t index_ = 0;
};

// A reply that owns its bytes: outlives the reader it came from. Its nodes
// and bytes live in one allocation (none for a default, null reply).
class owned_reply {
  public:
    owned_reply() noexcept = default;
    owned_reply(owned_reply&&) noexcept = default;
    owned_reply& operator=(owned_reply&&) noexcept = default;
    owned_reply(const owned_reply& other);
    owned_reply& operator=(const owned_reply& other);

    // A moved-from owned_reply views a null.
    reply view() const noexcept { return block_ ? reply(&block_->storage, root_) : reply(); }
    reply operator*() const noexcept { return view(); }

  private:
    friend class reply;
    // The storage header; the nodes, bytes and side bytes follow it.
    struct block {
        detail::reply_storage storage;
    };
    struct block_deleter {
        void operator()(block* b) const noexcept;
    };
    static std::unique_ptr<block, block_deleter> copy_of(const detail::reply_storage& from);

    std::unique_ptr<block, block_deleter> block_;
    std::uint32_t root_ = 0;
};

}  // namespace respcache::resp
