#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "respcache/resp/result.hpp"

namespace respcache::net {

// A byte stream layered over a connected socket (TLS): what net::socket calls
// instead of send(2) and recv(2) once a layer is attached to it. A table of
// plain function pointers, so the layer's library (respcache::tls) plugs in
// without net depending on it, at the cost of one indirect call per read or
// write, never per byte.
//
// The calls follow socket::send_some and socket::receive_some: bytes moved,
// 0 when the call would block, an io error when the stream is broken.
struct stream_ops {
    result<std::size_t> (*send_some)(void* state, std::string_view bytes) noexcept;
    result<std::size_t> (*receive_some)(void* state, std::span<char> into) noexcept;
    // True when bytes already taken from the socket wait in the layer, so
    // that waiting for the socket to become readable would wait for nothing.
    bool (*has_buffered)(const void* state) noexcept;
    // Ends the stream (a close notification, best effort) and frees `state`;
    // the socket closes its descriptor afterwards.
    void (*destroy)(void* state) noexcept;
};

}  // namespace respcache::net
