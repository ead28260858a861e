// Where the UUN keys come from (see header). The root files are checked from
// the message path (only for mail that carries a UUN), so a check is a stat
// per file at most once a second; reading and verifying happen on a change.
#include "milter/filter/key_source.hpp"

#include "lib/util/log.hpp"

#include <utility>

#include <sys/stat.h>

namespace uun::filter {

namespace {

std::string key_ids(const proto::keyring& keys)
{
    std::string ids;
    for (const auto& id : keys.ids())
        ids += ids.empty() ? id : "," + id;
    return ids;
}

}  // namespace

file_stamp file_stamp::of(const std::string& path)
{
    struct ::stat st{};
    if (::stat(path.c_str(), &st) != 0)
        return {};
    return {.exists = true,
            .device = st.st_dev,
            .inode = st.st_ino,
            .mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
            .size = st.st_size};
}

result<proto::root_metadata> load_root_file(const std::string& path)
{
    auto envelope = proto::load_root_envelope(path);
    if (!envelope)
        return std::unexpected(envelope.error());
    auto root = proto::verify_first_root(*envelope);
    if (!root)
        return fail(cat(path, ": ", root.error().message));
    return root;
}

std::unique_ptr<key_source> key_source::fixed(proto::keyring keys)
{
    std::unique_ptr<key_source> source(new key_source());
    source->keys_ = std::make_shared<const proto::keyring>(std::move(keys));
    return source;
}

result<std::unique_ptr<key_source>> key_source::from_root(std::vector<std::string> paths, const uun::clock& time)
{
    if (paths.empty())
        return fail("trusted_root: no root file listed");
    std::unique_ptr<key_source> source(new key_source());
    source->time_ = &time;
    source->paths_ = std::move(paths);
    std::string tried;
    for (std::size_t i = 0; i < source->paths_.size(); ++i) {
        const std::string& path = source->paths_[i];
        source->stamps_.push_back(file_stamp::of(path));
        if (!source->stamps_.back().exists) {
            tried += tried.empty() ? path : ", " + path;
            continue;
        }
        auto root = load_root_file(path);
        if (!root)
            return fail(cat("trusted_root: ", root.error().message));
        std::lock_guard lock(source->mutex_);
        source->use(std::move(*root), i, time.now());
        source->last_check_ = time.now();
        return source;
    }
    return fail(cat("trusted_root: none of the root files exists (", tried, ")"));
}

std::shared_ptr<const proto::keyring> key_source::current()
{
    std::lock_guard lock(mutex_);
    if (time_ != nullptr) {
        std::int64_t now = time_->now();
        if (now != last_check_) {
            last_check_ = now;
            refresh(now);
        }
    }
    return keys_;
}

// Called with mutex_ held.
void key_source::use(proto::root_metadata root, std::size_t index, std::int64_t now)
{
    root_ = std::move(root);
    keys_ = std::make_shared<const proto::keyring>(root_.keys_of(proto::role_name::notify));
    chosen_ = index;
    stamps_.resize(index + 1);
    warn_if_expired(now);
}

// An expired root is still the newest this host has: its notify keys only
// make the appliance poll, and the updater decides what to install.
void key_source::warn_if_expired(std::int64_t now)
{
    if (!root_.expired(now) || expiry_warned_ == root_.version)
        return;
    expiry_warned_ = root_.version;
    log::warning(cat("root v", root_.version, " (", paths_[chosen_], ") expired at ", root_.expires,
                     " (unix time); its notify keys are still used for UUNs until a newer root arrives"));
}

// Called with mutex_ held. Only paths up to the one in use are watched: an
// earlier one appearing (the updater's first copy) takes over from it.
// Long: one decision per outcome of a change, each with its own log line.
void key_source::refresh(std::int64_t now)
{
    warn_if_expired(now);
    bool changed = false;
    for (std::size_t i = 0; i <= chosen_; ++i) {
        file_stamp stamp = file_stamp::of(paths_[i]);
        if (stamp != stamps_[i]) {
            stamps_[i] = stamp;
            changed = true;
        }
    }
    if (!changed)
        return;
    std::string keeping = cat("; keeping the notify keys of root v", root_.version, " (", key_ids(*keys_), ")");
    std::size_t first = 0;
    while (first <= chosen_ && !stamps_[first].exists)
        ++first;
    if (first > chosen_) {
        log::error(cat("trusted_root: ", paths_[chosen_], " is gone", keeping));
        return;
    }
    const std::string& path = paths_[first];
    auto loaded = load_root_file(path);
    if (!loaded) {
        log::error(cat("trusted_root: ", loaded.error().message, keeping));
        return;
    }
    if (loaded->version < root_.version) {
        log::error(cat("trusted_root: ", path, " holds root v", loaded->version, ", older than v", root_.version,
                       " in use: refused, a rollback must not bring back revoked keys", keeping));
        return;
    }
    if (loaded->version == root_.version) {
        if (*loaded != root_) {
            log::error(cat("trusted_root: ", path, " holds a root v", loaded->version,
                           " that differs from the v", root_.version, " in use: refused", keeping));
            return;
        }
        chosen_ = first;  // the same root in an earlier-listed file: watch that one
        stamps_.resize(first + 1);
        return;
    }
    std::string old = cat("v", root_.version, " (", key_ids(*keys_), ")");
    use(std::move(*loaded), first, now);
    log::info(cat("trusted_root: now root v", root_.version, " from ", path, ", notify keys ", key_ids(*keys_),
                  "; was ", old));
}

std::uint64_t key_source::root_version() const
{
    std::lock_guard lock(mutex_);
    return paths_.empty() ? 0 : root_.version;
}

std::string key_source::root_path() const
{
    std::lock_guard lock(mutex_);
    return paths_.empty() ? std::string() : paths_[chosen_];
}

std::string key_source::describe() const
{
    std::lock_guard lock(mutex_);
    if (paths_.empty())
        return cat("trusted keys ", key_ids(*keys_));
    return cat("root v", root_.version, " (", paths_[chosen_], "), notify keys ", key_ids(*keys_));
}

}  // namespace uun::filter
