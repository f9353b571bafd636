#pragma once

#include <cstdint>
#include <string_view>

#include "respcache/resp/type.hpp"

namespace respcache::bench {

// A parser visitor that does nothing: measures the bare parser.
struct null_visitor {
    void on_simple_string(std::string_view) {}
    void on_simple_error(std::string_view) {}
    void on_blob_string(std::string_view) {}
    void on_blob_error(std::string_view) {}
    void on_verbatim_string(std::string_view, std::string_view) {}
    void on_big_number(std::string_view) {}
    void on_integer(std::int64_t) {}
    void on_double(double) {}
    void on_boolean(bool) {}
    void on_null() {}
    void on_aggregate_begin(resp::type, std::int64_t) {}
    void on_aggregate_end() {}
    void on_streamed_string_begin() {}
    void on_streamed_string_chunk(std::string_view) {}
    void on_streamed_string_end() {}
};

}  // namespace respcache::bench
