#include "respcache/resp/reader.hpp"

#include <cstring>

namespace respcache::resp {

reader::reader(const limits& bounds) : parser_(bounds) {}

void reader::release_returned_reply() noexcept {
    if (!returned_) return;
    returned_ = false;
    start_ = parsed_;
    builder_.clear();
}

void reader::make_room(std::size_t min_size) {
    if (start_ == end_) {
        start_ = parsed_ = end_ = 0;
    }
    if (capacity_ - end_ >= min_size) return;
    const std::size_t kept = end_ - start_;
    if (start_ > 0 && capacity_ - kept >= min_size && kept <= capacity_ / 2) {
        std::memmove(buffer_.get(), buffer_.get() + start_, kept);
    } else {
        std::size_t grown = capacity_ ? capacity_ * 2 : 16 * 1024;
        while (grown - kept < min_size) grown *= 2;
        auto bigger = std::make_unique_for_overwrite<char[]>(grown);
        if (kept) std::memcpy(bigger.get(), buffer_.get() + start_, kept);
        buffer_ = std::move(bigger);
        capacity_ = grown;
    }
    parsed_ -= start_;
    end_ = kept;
    start_ = 0;
}

void reader::feed(std::string_view bytes) {
    const std::span<char> space = prepare(bytes.size());
    if (!bytes.empty()) std::memcpy(space.data(), bytes.data(), bytes.size());
    commit(bytes.size());
}

std::span<char> reader::prepare(std::size_t min_size) {
    release_returned_reply();
    make_room(min_size);
    return {buffer_.get() + end_, capacity_ - end_};
}

void reader::commit(std::size_t written) noexcept {
    end_ += written;
}

reader::taken reader::take_general() {
    if (failed()) return taken::failed;
    const char* data = buffer_.get();
    builder_.start(data + start_);
    const parse_step step =
        parser_.parse(std::string_view(data + parsed_, end_ - parsed_), builder_);
    parsed_ += step.consumed;
    switch (step.status) {
        case parse_status::need_more:
            return taken::need_more;
        case parse_status::failed:
            return taken::failed;
        case parse_status::reply_complete:
            break;
    }
    point_storage();
    return taken::reply;
}

result<std::optional<reply>> reader::next() {
    release_returned_reply();
    switch (take_general()) {
        case taken::need_more:
            return std::optional<reply>();
        case taken::failed:
            return to_error(parser_.error());
        case taken::reply:
            break;
    }
    returned_ = true;
    return std::optional<reply>(reply(&storage_, builder_.root()));
}

void reader::reset() noexcept {
    parser_.reset();
    builder_.clear();
    start_ = parsed_ = end_ = 0;
    returned_ = false;
}

// --- tree_builder -----------------------------------------------------------

void reader::tree_builder::clear() noexcept {
    used_ = 0;
    open_.clear();
    side_.clear();
    pending_attribute_ = 0;
    root_ = 0;
    root_set_ = false;
}

void reader::tree_builder::on_verbatim_string(std::string_view format, std::string_view text) {
    detail::reply_node& n = add(type::verbatim_string);
    n.offset = static_cast<std::uint64_t>(text.data() - base_);
    n.size = text.size();
    std::memcpy(n.format, format.data(), sizeof n.format);
}

void reader::tree_builder::on_streamed_string_begin() {
    detail::reply_node& n = add(type::blob_string);
    n.in_side_bytes = true;
    n.offset = side_.size();
}

void reader::tree_builder::on_streamed_string_end() {
    // The streamed string is the last node added: chunks add no nodes.
    detail::reply_node& n = nodes_[used_ - 1];
    n.size = side_.size() - n.offset;
}

}  // namespace respcache::resp
