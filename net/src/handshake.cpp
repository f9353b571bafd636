#include "respcache/net/handshake.hpp"

#include "respcache/net/version.hpp"
#include "respcache/resp/encoder.hpp"

namespace respcache::net {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// Errors that mean "these credentials are not accepted", on every server
// version: WRONGPASS (6+), NOAUTH, NOPERM, "invalid password" (before 6),
// and AUTH sent to a server that has no password.
bool is_auth_refusal(std::string_view message) {
    return starts_with(message, "WRONGPASS") || starts_with(message, "NOAUTH") ||
           starts_with(message, "NOPERM") ||
           message.find("invalid password") != std::string_view::npos ||
           message.find("invalid username-password") != std::string_view::npos ||
           message.find("without any password configured") != std::string_view::npos;
}

error auth_error(std::string_view server_message) {
    return error{error_kind::auth,
                 "the server refused the credentials: " + std::string(server_message)};
}

}  // namespace

handshake::handshake(const connection_options& options)
    : options_(options),
      step_(options.protocol == protocol_version::resp2 ? step::legacy_auth : step::hello) {}

std::size_t handshake::write_step(std::string& out) {
    received_ = 0;
    switch (step_) {
        case step::hello: {
            std::string_view args[7] = {"HELLO", "3"};
            std::size_t count = 2;
            if (!options_.password.empty()) {
                args[count++] = "AUTH";
                args[count++] = options_.user.empty() ? std::string_view("default")
                                                      : std::string_view(options_.user);
                args[count++] = options_.password;
            }
            if (!options_.client_name.empty()) {
                args[count++] = "SETNAME";
                args[count++] = options_.client_name;
            }
            resp::append_command(out, std::span<const std::string_view>(args, count));
            expected_ = 1;
            break;
        }
        case step::legacy_auth:
            expected_ = 0;
            legacy_has_auth_ = !options_.password.empty();
            if (legacy_has_auth_) {
                if (options_.user.empty())
                    resp::append_command(out, "AUTH", options_.password);
                else
                    resp::append_command(out, "AUTH", options_.user, options_.password);
                ++expected_;
            }
            if (!options_.client_name.empty()) {
                resp::append_command(out, "CLIENT", "SETNAME", options_.client_name);
                ++expected_;
            }
            break;
        case step::setup:
            expected_ = options_.set_client_library ? 2 : 0;
            setup_has_select_ = options_.database != 0;
            if (setup_has_select_) {
                resp::append_command(out, "SELECT", options_.database);
                ++expected_;
            }
            if (options_.set_client_library) {
                resp::append_command(out, "CLIENT", "SETINFO", "LIB-NAME", library_name);
                resp::append_command(out, "CLIENT", "SETINFO", "LIB-VER", library_version);
            }
            break;
        case step::done:
            expected_ = 0;
            return 0;
    }
    if (expected_ == 0) advance();
    return expected_;
}

void handshake::advance() {
    switch (step_) {
        case step::hello:
        case step::legacy_auth:
            step_ = step::setup;
            break;
        case step::setup:
        case step::done:
            step_ = step::done;
            break;
    }
}

result<void> handshake::on_hello_reply(const resp::reply& reply) {
    if (!reply.is_error()) {
        protocol_ = 3;
        return {};
    }
    const std::string_view message = reply.string();
    if (is_auth_refusal(message)) return auth_error(message);
    // NOPROTO, or "unknown command" from servers before 6: speak RESP2.
    if (starts_with(message, "NOPROTO") ||
        message.find("unknown command") != std::string_view::npos) {
        step_ = step::legacy_auth;  // a step with nothing to send passes at once
        return {};
    }
    return error{error_kind::server_reply, "HELLO failed: " + std::string(message)};
}

result<void> handshake::on_reply(const resp::reply& reply) {
    const std::size_t index = received_++;
    switch (step_) {
        case step::hello: {
            auto handled = on_hello_reply(reply);
            if (!handled) return handled;
            if (step_ == step::hello) advance();
            return {};
        }
        case step::legacy_auth:
            if (reply.is_error()) {
                if (index == 0 && legacy_has_auth_) return auth_error(reply.string());
                return error{error_kind::server_reply,
                             "CLIENT SETNAME failed: " + std::string(reply.string())};
            }
            break;
        case step::setup:
            // Garnet answers HELLO without AUTH even when it requires a
            // password; the first command after it is where it says so.
            if (reply.is_error() && starts_with(reply.string(), "NOAUTH"))
                return auth_error(reply.string());
            if (index == 0 && setup_has_select_ && reply.is_error()) {
                return error{error_kind::config, "SELECT " + std::to_string(options_.database) +
                                                     " failed: " + std::string(reply.string())};
            }
            break;
        case step::done:
            break;
    }
    if (received_ == expected_) advance();
    return {};
}

}  // namespace respcache::net
