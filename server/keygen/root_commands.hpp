// uun-keygen's root commands for the key ceremony on the offline admin host
// (doc/trust.md "Key ceremony"): --root-new writes an unsigned root, each
// key holder adds a signature with --root-sign, --root-show says what a file
// holds and whether it verifies. Callers: run_keygen_cli, tests. Failures
// are values naming the file; nothing is written unless all is well.
#pragma once

#include "lib/proto/root_metadata.hpp"
#include "lib/util/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace uun::keygen {

// --expires: a duration from now ("365d") or a UTC date ("2027-12-31", "2027-12-31T12:00:00Z").
result<std::int64_t> parse_expiry(const std::string& text, std::int64_t now);

struct root_new_request {
    std::string out_path;
    std::uint64_t version = 1;
    std::int64_t expires = 0;
    std::map<proto::role_name, std::vector<std::string>> key_files;  // PEM public keys per role
    std::size_t root_threshold = 1;
};

// Writes the unsigned envelope (never over an existing file) and shows it.
result<void> root_new(const root_new_request& request, std::ostream& out);
// Adds key_file's signature in place (atomically) after showing what it signs.
result<void> root_sign(const std::string& path, const std::string& key_file, std::ostream& out);

enum class root_verdict { verifies, does_not_verify };
// Shows the roles and the verdict: as a first root, or as PREV's successor.
result<root_verdict> root_show(const std::string& path, const std::optional<std::string>& previous,
                               std::int64_t now, std::ostream& out);

}  // namespace uun::keygen
