// Key pair generation (see header). Both files are written with
// write_file_atomic(exclusive): an existing file is never replaced, even
// when it appears between our check and our write.
#include "server/keygen/keygen.hpp"

#include "lib/proto/ed25519.hpp"
#include "lib/util/file_util.hpp"
#include "uun_build_config.hpp"

#include <string_view>

#include <sys/stat.h>
#include <unistd.h>

namespace uun::keygen {

namespace {

constexpr std::string_view usage = "Usage: uun-keygen NAME\n"
                                   "Writes NAME.key (Ed25519 private key, PEM, mode 0600) and NAME.pub (public key,\n"
                                   "PEM) and prints the key id. Refuses to overwrite either file.\n"
                                   "Exit status: 0 done, 2 usage, 3 a file exists or cannot be written.\n";

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

int run_keygen_cli(int argc, const char* const argv[], std::ostream& out, std::ostream& err)
{
    if (argc == 2 && (std::string_view(argv[1]) == "-h" || std::string_view(argv[1]) == "--help")) {
        out << usage;
        return 0;
    }
    if (argc == 2 && std::string_view(argv[1]) == "--version") {
        out << "uun-keygen " << UUN_VERSION << "\n";
        return 0;
    }
    if (argc != 2 || argv[1][0] == '\0' || argv[1][0] == '-') {
        err << "uun-keygen: give one NAME\n" << usage;
        return 2;
    }
    auto files = write_key_pair(argv[1]);
    if (!files) {
        err << "uun-keygen: " << files.error().message << "\n";
        return 3;
    }
    out << files->key_id << "\n";
    err << "uun-keygen: wrote " << files->private_path << " (private, mode 0600) and " << files->public_path
        << "; key id " << files->key_id << "\n";
    return 0;
}

}  // namespace uun::keygen
