#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
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

    // Hands every complete reply in the buffer to `on_reply(reply)`, in
    // order, and returns how many it handed; the bytes of an unfinished reply
    // stay buffered for the next read. Each reply is valid during its call
    // only (take to_owned() to keep it); `on_reply` must not use the reader.
    // On malformed input it hands the replies before the bad one, then
    // returns the error next() would (and fails from then on, like next()).
    //
    // The way to read a socket: one call per read instead of one next() per
    // reply, and whole replies of the common shapes (scalars, and aggregates
    // a few levels deep of them) are read in one pass; anything else, or a
    // reply split across reads, goes through the resumable parser.
    template <class OnReply>
    result<std::size_t> take_all(OnReply&& on_reply);

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
    enum class taken : std::uint8_t { reply, need_more, failed };

    // Builds the flat node list of one reply from parser events.
    class tree_builder {
      public:
        // The fast path's way in: room for `count` nodes in all, then nodes
        // appended within it; nothing else of the builder is touched (it is
        // idle between whole replies).
        void reserve(std::size_t count) {
            if (count > nodes_.size()) [[unlikely]]
                grow_to(count);
        }
        detail::reply_node& append(type kind) noexcept {
            detail::reply_node& n = nodes_[used_++];
            n = detail::reply_node();
            n.kind = kind;
            return n;
        }
        detail::reply_node& at(std::size_t index) noexcept { return nodes_[index]; }
        void clear_nodes() noexcept { used_ = 0; }

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
                grow_to(used_ + 1);
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

        [[gnu::noinline]] void grow_to(std::size_t count) {
            nodes_.resize(count > nodes_.size() * 2 + 16 ? count : nodes_.size() * 2 + 16);
        }

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
    // One reply through the resumable parser into storage_.
    taken take_general();
    // Hands out whole replies of common shapes from parsed_ on, each read in
    // one pass, and stops before the first other one (nothing of it
    // changed), which the resumable parser then reads, reporting any error
    // exactly. Returns how many it handed out.
    template <class OnReply>
    std::size_t take_whole_replies(OnReply& on_reply);
    void point_storage() noexcept {
        const char* data = buffer_.get();
        storage_.nodes = builder_.node_data();
        storage_.node_count = builder_.node_count();
        storage_.bytes = data + start_;
        storage_.byte_count = parsed_ - start_;
        storage_.side_bytes = builder_.side_bytes().data();
        storage_.side_byte_count = builder_.side_bytes().size();
    }

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

// ---------------------------------------------------------------------------
// Implementation of take_all and its fast path: in the header so that the
// caller's callback and the per-reply work inline into one loop.

namespace detail {

// The number of leading ASCII digits of the 8 bytes in `chunk` (first byte
// lowest), and their values in `digits`: one test for all eight.
inline unsigned leading_digits(std::uint64_t chunk, std::uint64_t& digits) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    digits = chunk - ones * '0';
    // High bit of each byte that is not 0..9. A borrow or carry only ever
    // spoils bytes after the first such byte, which are not looked at.
    const std::uint64_t other = (digits | (digits + ones * (0x80 - 10))) & (ones * 0x80);
    return other == 0 ? 8u : static_cast<unsigned>(__builtin_ctzll(other)) / 8;
}

// The value of 8 digit values (first byte most significant).
inline std::uint64_t eight_digits(std::uint64_t digits) noexcept {
    digits = (digits * 10 + (digits >> 8)) & 0x00ff00ff00ff00ffull;
    digits = (digits * 100 + (digits >> 16)) & 0x0000ffff0000ffffull;
    return (digits * 10000 + (digits >> 32)) & 0xffffffffull;
}

// 1 to 18 digits then CRLF at p: the value, and the byte after the CRLF (or
// nullptr for anything else, including a number that may not fit).
inline const char* fast_decimal(const char* p, const char* end, std::uint64_t& value) noexcept {
    const char* q = p;
    std::uint64_t v = 0;
    if (end - p >= 8) {
        std::uint64_t chunk = 0;
        std::memcpy(&chunk, p, sizeof chunk);
        std::uint64_t digits = 0;
        const unsigned n = leading_digits(chunk, digits);
        if (n == 0) return nullptr;
        // The n digits to the top bytes, the bytes after them shifted out.
        v = eight_digits(digits << (64 - 8 * n));
        q = p + n;
    }
    if (q == p || q == p + 8) {
        // Short input, or 8 digits and perhaps more: the rest byte by byte.
        const char* const limit = end - p > 18 ? p + 18 : end;
        while (q != limit && static_cast<unsigned char>(*q - '0') <= 9) {
            v = v * 10 + static_cast<unsigned>(*q - '0');
            ++q;
        }
        if (q == p) return nullptr;
    }
    if (end - q < 2 || q[0] != '\r' || q[1] != '\n') return nullptr;
    value = v;
    return q + 2;
}

}  // namespace detail

template <class OnReply>
std::size_t reader::take_whole_replies(OnReply& on_reply) {
    constexpr std::size_t fast_depth = 8;          // deeper replies take the general path
    constexpr std::ptrdiff_t min_value_bytes = 3;  // "_\r\n"
    struct open_aggregate {
        std::uint32_t node;
        std::uint64_t remaining;
    };
    const limits& bounds = parser_.bounds();
    const char* const end = buffer_.get() + end_;
    const char* const run_start = buffer_.get() + parsed_;
    const char* first = run_start;
    std::size_t handed = 0;
    storage_.side_bytes = nullptr;
    storage_.side_byte_count = 0;
    open_aggregate open[fast_depth];
    // With the usual limits no number's line (sign and 18 digits) and no
    // short simple string (32 bytes at most here) can be too long.
    const bool check_number_lines = bounds.max_line_length < 19;
    const bool check_string_lines = bounds.max_line_length < 32;
    if (bounds.max_nodes == 0) goto stop;
    builder_.reserve(1);

    for (;;) {
        const char* p = first;
        std::size_t depth = 0;
        std::uint64_t reserved = 1;  // nodes made plus children declared, not yet made
        for (;;) {
            if (end - p < min_value_bytes) goto stop;
            const char t = *p;
            if (t == '$') {
                std::uint64_t length = 0;
                const char* const body = detail::fast_decimal(p + 1, end, length);
                if (body == nullptr) {
                    if (end - p < 5 || p[1] != '-' || p[2] != '1' || p[3] != '\r' || p[4] != '\n' ||
                        bounds.max_line_length < 2)
                        goto stop;
                    builder_.append(type::null);
                    p += 5;
                } else {
                    if ((check_number_lines &&
                         static_cast<std::size_t>(body - p - 3) > bounds.max_line_length) ||
                        length > bounds.max_bulk_length ||
                        static_cast<std::uint64_t>(end - body) < length + 2 ||
                        body[length] != '\r' || body[length + 1] != '\n')
                        goto stop;
                    detail::reply_node& n = builder_.append(type::blob_string);
                    n.offset = static_cast<std::uint64_t>(body - first);
                    n.size = length;
                    p = body + length + 2;
                }
            } else if (t == '+' || t == '-') {
                const char* const text = p + 1;
                const char* const limit = end - text > 32 ? text + 32 : end;
                const char* q = text;
                while (q != limit && *q != '\r') ++q;
                const auto length = static_cast<std::size_t>(q - text);
                if (q == limit || end - q < 2 || q[1] != '\n' ||
                    (check_string_lines && length > bounds.max_line_length))
                    goto stop;
                detail::reply_node& n =
                    builder_.append(t == '+' ? type::simple_string : type::simple_error);
                n.offset = static_cast<std::uint64_t>(text - first);
                n.size = length;
                p = q + 2;
            } else if (t == ':') {
                const char* q = p + 1;
                const bool negative = *q == '-';
                if (*q == '-' || *q == '+') ++q;
                std::uint64_t value = 0;
                const char* const after = detail::fast_decimal(q, end, value);
                if (after == nullptr ||
                    (check_number_lines &&
                     static_cast<std::size_t>(after - p - 3) > bounds.max_line_length))
                    goto stop;
                const auto v = static_cast<std::int64_t>(value);
                builder_.append(type::integer).integer = negative ? -v : v;
                p = after;
            } else if (t == '*' || t == '%' || t == '~' || t == '>') {
                std::uint64_t declared = 0;
                const char* const after = detail::fast_decimal(p + 1, end, declared);
                const bool pairs = t == '%';
                if (after == nullptr ||
                    (check_number_lines &&
                     static_cast<std::size_t>(after - p - 3) > bounds.max_line_length) ||
                    depth >= bounds.max_depth || depth == fast_depth ||
                    declared > bounds.max_elements || (pairs && declared > bounds.max_elements / 2))
                    goto stop;
                const std::uint64_t children = pairs ? declared * 2 : declared;
                // A reply that cannot be all here, or has too many values: the
                // general path reads (or rejects) it. Either way nothing is
                // reserved for bytes that have not arrived.
                if (children > static_cast<std::uint64_t>(end - after) / min_value_bytes ||
                    reserved + children > bounds.max_nodes)
                    goto stop;
                reserved += children;
                builder_.reserve(reserved);
                const auto index = static_cast<std::uint32_t>(builder_.node_count());
                builder_
                    .append(t == '*'   ? type::array
                            : t == '%' ? type::map
                            : t == '~' ? type::set
                                       : type::push)
                    .size = children;
                p = after;
                if (children != 0) {
                    open[depth++] = open_aggregate{index, children};
                    continue;
                }
            } else if (t == '_') {
                if (p[1] != '\r' || p[2] != '\n') goto stop;
                builder_.append(type::null);
                p += 3;
            } else {
                goto stop;
            }
            // A value is complete: so may be the aggregates it completes.
            while (depth != 0 && --open[depth - 1].remaining == 0) {
                --depth;
                const std::uint32_t index = open[depth].node;
                builder_.at(index).subtree =
                    static_cast<std::uint32_t>(builder_.node_count() - index);
            }
            if (depth == 0) break;
        }
        storage_.nodes = builder_.node_data();
        storage_.node_count = builder_.node_count();
        storage_.bytes = first;
        storage_.byte_count = static_cast<std::size_t>(p - first);
        on_reply(reply(&storage_, 0));
        builder_.clear_nodes();
        first = p;
        ++handed;
    }
stop:
    builder_.clear_nodes();
    const auto consumed = static_cast<std::size_t>(first - run_start);
    parsed_ += consumed;
    start_ = parsed_;
    parser_.skip_whole_replies(consumed);
    return handed;
}

template <class OnReply>
result<std::size_t> reader::take_all(OnReply&& on_reply) {
    release_returned_reply();
    std::size_t handed = 0;
    for (;;) {
        if (parser_.idle()) handed += take_whole_replies(on_reply);
        const taken t = take_general();
        if (t == taken::need_more) return handed;
        if (t == taken::failed) return to_error(parser_.error());
        on_reply(reply(&storage_, builder_.root()));
        builder_.clear();
        start_ = parsed_;
        ++handed;
    }
}

}  // namespace respcache::resp
