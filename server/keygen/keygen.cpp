// Key pair generation (see header). Both files are written with
// write_file_atomic(exclusive): an existing file is never replaced, even
// when it appears between our check and our write. The command line is in
// keygen_cli.cpp.
#include "server/keygen/keygen.hpp"

#include "lib/proto/ed25519.hpp"
#include "lib/util/file_util.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace uun::keygen {

namespace {

bool exists(const std::string& path)
{
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

result<key_pair_files> write_key_pair(const std::string& name)
{
    key_pair_files files{"", name + ".key", name + ".pub"};
    for (const auto& path : {files.private_path, files.public_path})
        if (exists(path))
            return fail(cat(path, ": already exists; refusing to overwrite"));
    auto key = proto::private_key::generate();
    if (!key)
        return std::unexpected(key.error());
    if (auto r = write_file_atomic(files.private_path, key->pem(), 0600, true); !r)
        return std::unexpected(r.error());
    if (auto r = write_file_atomic(files.public_path, key->public_part().pem(), 0644, true); !r) {
        // The private key we just made is useless without its public half.
        ::unlink(files.private_path.c_str());
        return std::unexpected(r.error());
    }
    files.key_id = key->id();
    return files;
}

}  // namespace uun::keygen
