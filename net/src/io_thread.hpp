#pragma once

namespace respcache::net::detail {

// True on a multiplexer's I/O thread: inside a completion or a message
// handler, where nothing may wait for a reply.
bool on_an_io_thread() noexcept;

}  // namespace respcache::net::detail
