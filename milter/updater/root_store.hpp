// The root the updater trusts in root mode (trust.root): the newest verified
// copy in state_dir/root.json, or the root shipped with the appliance when it
// is newer (a package upgrade) or no copy exists yet. Called by main.cpp at
// start and by the poll cycle when the server serves newer roots; a root file
// that does not verify is an error naming the file.
#pragma once

#include "lib/proto/root_metadata.hpp"
#include "lib/util/result.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace uun::updater {

std::string root_copy_path(const std::string& state_dir);

// The copy in state_dir when present, else (or when newer) the shipped one.
result<proto::root_metadata> load_trusted_root(const std::string& state_dir, const std::string& shipped);

// Replaces state_dir/root.json atomically (temp file, fsync, rename).
result<void> save_root_copy(const std::string& state_dir, const nlohmann::json& envelope);

}  // namespace uun::updater
