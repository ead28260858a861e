// uun-keygen: makes the publisher's Ed25519 key pair, NAME.key (PEM private
// key, mode 0600) and NAME.pub (PEM public key), and never overwrites either
// file. Callers: uun-keygen's main, tests. Failures leave no half pair behind.
#pragma once

#include "lib/util/result.hpp"

#include <ostream>
#include <string>

namespace uun::keygen {

struct key_pair_files {
    std::string key_id;
    std::string private_path;  // NAME.key
    std::string public_path;   // NAME.pub
};

result<key_pair_files> write_key_pair(const std::string& name);

// argv handling: 0 done, 2 usage, 3 a file exists or cannot be written.
int run_keygen_cli(int argc, const char* const argv[], std::ostream& out, std::ostream& err);

}  // namespace uun::keygen
