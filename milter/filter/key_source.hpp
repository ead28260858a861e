// The keys a UUN may be signed with: trusted_keys (v1, fixed at start) or the
// notify role of a root file (v2, trusted_root) that the updater replaces when
// it follows a rotation. Called by run_milter (start) and session (each UUN);
// a bad root at start is an error value, a bad root later keeps the old keys.
#pragma once

#include "lib/proto/keyring.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/util/clock.hpp"
#include "lib/util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <sys/types.h>

namespace uun::filter {

// trusted_root lists a few fallbacks (updater's copy, shipped copy), not a search path.
inline constexpr std::size_t max_trusted_root_paths = 8;

// What stat says about a root file; a change of any field means "read it again".
struct file_stamp {
    bool exists = false;
    dev_t device = 0;
    ino_t inode = 0;
    std::int64_t mtime_ns = 0;
    off_t size = 0;

    static file_stamp of(const std::string& path);
    friend bool operator==(const file_stamp&, const file_stamp&) = default;
};

// Thread-safe: libmilter runs callbacks on several threads, and current()
// may swap the keys while another thread still checks with the old ones
// (each caller holds its own shared_ptr).
class key_source {
public:
    // v1: the keys never change.
    static std::unique_ptr<key_source> fixed(proto::keyring keys);
    // v2: the first of `paths` that exists, verified as a first root; the
    // error names the file(s) and why. `time` must outlive the source.
    static result<std::unique_ptr<key_source>> from_root(std::vector<std::string> paths, const uun::clock& time);

    // The keys to check a UUN with. With a root, at most once per second of
    // `time` the root files are stat'ed, and a changed one read and verified
    // first: a newer version replaces the keys; an older one, a different
    // root of the same version or one that does not verify is refused and
    // logged once per change of the file, the keys in use are kept.
    std::shared_ptr<const proto::keyring> current();

    bool from_root_file() const { return !paths_.empty(); }
    std::uint64_t root_version() const;  // 0 without a root
    std::string root_path() const;       // the file in use; "" without a root
    // For the start log line: "trusted keys a,b" or "root v2 (path), notify keys a".
    std::string describe() const;

private:
    key_source() = default;
    void refresh(std::int64_t now);
    void use(proto::root_metadata root, std::size_t index, std::int64_t now);
    void warn_if_expired(std::int64_t now);

    mutable std::mutex mutex_;
    std::shared_ptr<const proto::keyring> keys_;
    // With a root only:
    const uun::clock* time_ = nullptr;
    std::vector<std::string> paths_;
    std::vector<file_stamp> stamps_;  // of paths_[0..chosen_]
    std::size_t chosen_ = 0;
    proto::root_metadata root_;
    std::int64_t last_check_ = 0;
    std::uint64_t expiry_warned_ = 0;  // the version whose expiry was logged
};

// A root file read and verified as a first root (self-signed threshold).
result<proto::root_metadata> load_root_file(const std::string& path);

}  // namespace uun::filter
