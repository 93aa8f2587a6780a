#pragma once
// Errors cross module boundaries as values: a Result holds either a value or
// a human-readable message that says what failed and why.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace gw {

struct Error {
    std::string message;
};

template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const std::string& error() const { return std::get<Error>(v_).message; }

  private:
    std::variant<T, Error> v_;
};

// For operations that produce no value.
class [[nodiscard]] Status {
  public:
    Status() = default;
    Status(Error error) : error_(std::move(error.message)) {}
    static Status success() { return Status(); }

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { return *error_; }

  private:
    std::optional<std::string> error_;
};

inline Error fail(std::string message) {
    return Error{std::move(message)};
}

}  // namespace gw
