#pragma once
// One table of names per enum, next to the enum: to_string, parsing and the
// list of allowed values (config "must be one of ...", CLI choices) all come
// from it, so a name is spelled in exactly one place.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw {

template <typename E>
struct EnumName {
    E value;
    std::string_view name;
};

// In the order lists and messages show them.
template <typename E, size_t N>
using EnumNames = std::array<EnumName<E>, N>;

template <typename E, size_t N>
constexpr std::string_view name_of(const EnumNames<E, N>& names, E value) {
    for (const auto& n : names)
        if (n.value == value) return n.name;
    return "unknown";
}

template <typename E, size_t N>
constexpr std::optional<E> value_of(const EnumNames<E, N>& names, std::string_view text) {
    for (const auto& n : names)
        if (n.name == text) return n.value;
    return std::nullopt;
}

template <typename E, size_t N>
std::vector<std::string> names_of(const EnumNames<E, N>& names) {
    std::vector<std::string> out;
    for (const auto& n : names) out.emplace_back(n.name);
    return out;
}

// "info|notice|warning" for messages that list the allowed values.
template <typename E, size_t N>
std::string names_joined(const EnumNames<E, N>& names, std::string_view separator = "|") {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += separator;
        out += n.name;
    }
    return out;
}

}  // namespace gw
