// uun-publish's exit codes and the failure value that carries one: every
// command returns an outcome, and main() turns it into the process status.
// The table here is the one --help prints, so code and help cannot drift.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace uun::publish {

enum class exit_code : int {
    ok = 0,
    usage = 2,       // bad command line or server.yaml
    input = 3,       // missing/unreadable file, unknown channel or seq, bad name or target, unreadable key
    mta = 4,         // MTA not ready, relay map not installed, or a hand-off failed
    store = 5,       // store or payload directory not usable
    incomplete = 6,  // --wait: time ran out, or not every appliance installed
};

struct failure {
    exit_code code = exit_code::usage;
    std::string message;
};

template <class T>
using outcome = std::expected<T, failure>;

inline std::unexpected<failure> fail_with(exit_code code, std::string message)
{
    return std::unexpected(failure{code, std::move(message)});
}

inline int to_status(exit_code code)
{
    return static_cast<int>(code);
}

// "Exit status:" section of --help.
std::string_view exit_code_help();

}  // namespace uun::publish
