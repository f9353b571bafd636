#include "socket_bio.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <mutex>

namespace respcache::net::tls {
namespace {

int descriptor(BIO* bio) {
    return static_cast<int>(reinterpret_cast<long>(BIO_get_data(bio)));
}

bool would_block(int code) {
    return code == EAGAIN || code == EWOULDBLOCK || code == EINTR;
}

int write_bytes(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::send(descriptor(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n < 0 && would_block(errno)) BIO_set_retry_write(bio);
    return static_cast<int>(n);
}

int read_bytes(BIO* bio, char* data, int size) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::recv(descriptor(bio), data, static_cast<std::size_t>(size), 0);
    if (n < 0 && would_block(errno)) BIO_set_retry_read(bio);
    return static_cast<int>(n);
}

long control(BIO*, int command, long, void*) {
    // Writes go straight to the socket: there is nothing to flush.
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* socket_method() {
    static BIO_METHOD* method = nullptr;
    static std::once_flag once;
    std::call_once(once, [] {
        method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "respcache socket");
        if (method == nullptr) return;
        BIO_meth_set_write(method, write_bytes);
        BIO_meth_set_read(method, read_bytes);
        BIO_meth_set_ctrl(method, control);
        BIO_meth_set_create(method, create);
    });
    return method;
}

}  // namespace

BIO* new_socket_bio(int fd) noexcept {
    const BIO_METHOD* method = socket_method();
    if (method == nullptr) return nullptr;
    BIO* bio = BIO_new(method);
    if (bio != nullptr) BIO_set_data(bio, reinterpret_cast<void*>(static_cast<long>(fd)));
    return bio;
}

}  // namespace respcache::net::tls
