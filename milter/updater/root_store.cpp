// The trusted root at start and its copy in state_dir (see header). Only
// verified roots are ever written, so the copy is as good as the chain that
// led to it; it is still verified again when read.
#include "milter/updater/root_store.hpp"

#include "lib/util/file_util.hpp"
#include "lib/util/log.hpp"

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace uun::updater {

namespace {

result<proto::root_metadata> read_root(const std::string& path, std::string_view what)
{
    auto envelope = proto::load_root_envelope(path);
    if (!envelope)
        return fail(cat(what, " ", path, ": ", envelope.error().message));
    auto root = proto::verify_first_root(*envelope);
    if (!root)
        return fail(cat(what, " ", path, " does not verify: ", root.error().message));
    return root;
}

}  // namespace

std::string root_copy_path(const std::string& state_dir)
{
    return state_dir + "/root.json";
}

result<proto::root_metadata> load_trusted_root(const std::string& state_dir, const std::string& shipped)
{
    std::string copy = root_copy_path(state_dir);
    auto from_ship = read_root(shipped, "trust.root");
    if (::access(copy.c_str(), F_OK) != 0 && errno == ENOENT) {
        if (from_ship)
            log::info(cat("trusting root v", from_ship->version, " from ", shipped));
        return from_ship;
    }
    auto kept = read_root(copy, "the updater's copy of the root");
    if (!kept)
        return fail(cat(kept.error().message, " (move it away to start again from ", shipped, ")"));
    if (!from_ship) {
        // The chain already reached a good root; a damaged package file must
        // not stop updates, but someone should look at it.
        log::error(cat(from_ship.error().message, "; keeping root v", kept->version, " from ", copy));
        return kept;
    }
    if (from_ship->version > kept->version) {
        // A package upgrade shipped a newer root than the chain reached.
        if (auto envelope = proto::load_root_envelope(shipped); envelope) {
            if (auto saved = save_root_copy(state_dir, *envelope); !saved)
                log::warning(saved.error().message);
        }
        log::info(cat("root v", kept->version, " -> v", from_ship->version, " (shipped in ", shipped, ")"));
        return from_ship;
    }
    log::info(cat("trusting root v", kept->version, " from ", copy));
    return kept;
}

result<void> save_root_copy(const std::string& state_dir, const nlohmann::json& envelope)
{
    std::string path = root_copy_path(state_dir);
    // uun-milter, another user, reads this copy (its trusted_root) to learn a
    // rotated notify key: the directory must let it pass, not list. The
    // token and state.json inside stay 0600.
    struct stat st {};
    if (::stat(state_dir.c_str(), &st) == 0 && (st.st_mode & 0011) != 0011 &&
        ::chmod(state_dir.c_str(), (st.st_mode & 07777) | 0011) != 0)
        log::warning(cat(state_dir, ": cannot let uun-milter reach root.json (chmod o+x): ", std::strerror(errno)));
    if (auto wrote = write_file_atomic(path, envelope.dump() + "\n", 0644); !wrote)
        return fail(cat(path, ": cannot save the newest root: ", wrote.error().message));
    return {};
}

}  // namespace uun::updater
