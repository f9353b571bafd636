#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/limits.hpp"
#include "respcache/resp/parse_error.hpp"
#include "respcache/resp/parser.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::resp {

// Turns a byte stream into replies. Owns the read buffer: bytes go in with
// feed() (a copy) or with prepare()/commit() (read straight into it), and
// complete replies come out of next() as views into that buffer.
//
// A reply returned by next() stays valid until the next call of a non-const
// member; take reply::to_owned() to keep it longer. In steady state (buffer
// and node storage grown to the working size) nothing allocates.
class reader {
  public:
    explicit reader(const limits& bounds = {});
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;
    reader(reader&&) noexcept = default;
    reader& operator=(reader&&) noexcept = default;
    ~reader() = default;

    void feed(std::string_view bytes);
    // Writable space for at least `min_size` bytes; then commit() what was written.
    std::span<char> prepare(std::size_t min_size);
    void commit(std::size_t written) noexcept;

    // The next complete reply; an empty optional when more bytes are needed;
    // an error (kind protocol or limit) once the stream is known to be bad,
    // and from then on.
    result<std::optional<reply>> next();

    bool failed() const noexcept { return parser_.error().code != parse_errc::none; }
    const parse_error& failure() const noexcept { return parser_.error(); }
    // True when no byte of an unfinished reply is buffered.
    bool idle() const noexcept { return parser_.idle() && parsed_ == end_; }
    // Stream offset of the first byte of the reply being read (or the next one).
    std::uint64_t reply_offset() const noexcept { return parser_.offset() - (parsed_ - start_); }
    // Bytes buffered and not yet returned as part of a reply.
    std::size_t buffered() const noexcept { return end_ - start_; }

    // Forgets buffered bytes, any reply in progress and any failure.
    void reset() noexcept;

  private:
    // Builds the flat node list of one reply from parser events.
    class tree_builder {
      public:
        void start(const char* reply_bytes) noexcept { base_ = reply_bytes; }
        void clear() noexcept;
        const detail::reply_node* node_data() const noexcept { return nodes_.data(); }
        std::size_t node_count() const noexcept { return used_; }
        std::uint32_t root() const noexcept { return root_; }
        const std::string& side_bytes() const noexcept { return side_; }

        void on_simple_string(std::string_view s) { add_string(type::simple_string, s); }
        void on_simple_error(std::string_view s) { add_string(type::simple_error, s); }
        void on_blob_string(std::string_view s) { add_string(type::blob_string, s); }
        void on_blob_error(std::string_view s) { add_string(type::blob_error, s); }
        void on_big_number(std::string_view s) { add_string(type::big_number, s); }
        void on_verbatim_string(std::string_view format, std::string_view text);
        void on_integer(std::int64_t value) { add(type::integer).integer = value; }
        void on_double(double value) { add(type::double_number).number = value; }
        void on_boolean(bool value) { add(type::boolean).boolean = value; }
        void on_null() { add(type::null); }
        void on_aggregate_begin(type kind, std::int64_t) {
            const auto index = static_cast<std::uint32_t>(used_);
            add(kind);
            open_.push_back(index);
        }
        void on_aggregate_end() {
            const std::uint32_t index = open_.back();
            open_.pop_back();
            detail::reply_node& n = nodes_[index];
            n.subtree = static_cast<std::uint32_t>(used_ - index);
            if (n.kind == type::attribute) pending_attribute_ = index + 1;
        }
        void on_streamed_string_begin();
        void on_streamed_string_chunk(std::string_view chunk) { side_.append(chunk); }
        void on_streamed_string_end();

      private:
        detail::reply_node& add(type kind) {
            const auto index = static_cast<std::uint32_t>(used_);
            if (used_ == nodes_.size()) [[unlikely]]
                grow();
            detail::reply_node& n = nodes_[used_++];
            n = detail::reply_node();
            n.kind = kind;
            if (kind == type::attribute) return n;
            if (pending_attribute_ != 0) {
                n.attribute = pending_attribute_;
                pending_attribute_ = 0;
            }
            if (!open_.empty()) {
                ++nodes_[open_.back()].size;
            } else if (!root_set_) {
                root_ = index;
                root_set_ = true;
            }
            return n;
        }
        void add_string(type kind, std::string_view s) {
            detail::reply_node& n = add(kind);
            n.offset = static_cast<std::uint64_t>(s.data() - base_);
            n.size = s.size();
        }

        [[gnu::noinline]] void grow() { nodes_.resize(nodes_.size() * 2 + 16); }

        std::vector<detail::reply_node> nodes_;  // sized to capacity; used_ in use
        std::size_t used_ = 0;
        std::vector<std::uint32_t> open_;  // indices of unfinished aggregates
        std::string side_;
        const char* base_ = nullptr;
        std::uint32_t pending_attribute_ = 0;
        std::uint32_t root_ = 0;
        bool root_set_ = false;
    };

    void release_returned_reply() noexcept;
    void make_room(std::size_t min_size);

    parser parser_;
    tree_builder builder_;
    detail::reply_storage storage_;
    std::unique_ptr<char[]> buffer_;
    std::size_t capacity_ = 0;
    std::size_t start_ = 0;   // first byte of the reply in progress
    std::size_t parsed_ = 0;  // first byte the parser has not consumed
    std::size_t end_ = 0;     // one past the last buffered byte
    bool returned_ = false;   // a reply was handed out and still holds [start_, parsed_)
};

}  // namespace respcache::resp
