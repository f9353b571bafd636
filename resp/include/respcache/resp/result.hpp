#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "respcache/resp/error.hpp"

namespace respcache {

// Either a value or an error. Accessing the wrong side is a programming error
// (asserted), so the type works the same with and without exceptions.
template <class T>
class [[nodiscard]] result {
  public:
    result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    result(error e) : state_(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        assert(has_value());
        return *std::get_if<0>(&state_);
    }
    const T& value() const& {
        assert(has_value());
        return *std::get_if<0>(&state_);
    }
    T&& value() && {
        assert(has_value());
        return std::move(*std::get_if<0>(&state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const error& error_value() const {
        assert(!has_value());
        return *std::get_if<1>(&state_);
    }

  private:
    std::variant<T, error> state_;
};

// A result with no value: success, or an error.
template <>
class [[nodiscard]] result<void> {
  public:
    result() = default;
    result(error e) : error_(std::move(e)), failed_(true) {}

    bool has_value() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return has_value(); }
    const error& error_value() const {
        assert(failed_);
        return error_;
    }

  private:
    error error_{error_kind::protocol, {}};
    bool failed_ = false;
};

}  // namespace respcache
