// libFuzzer harness: root metadata, which the server serves as a chain and
// the updater follows. The bytes are tried as a root payload (must survive
// root_payload then parse) and as an envelope (verify_first_root and a step
// of the chain from the fixed root). Nothing may crash.
#include "lib/proto/root_metadata.hpp"
#include "lib/util/json_input.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    if (auto root = proto::parse_root_payload(text)) {
        auto again = proto::parse_root_payload(proto::root_payload(*root));
        fuzz::require(again && *again == *root, "a root does not survive root_payload then parse");
        for (auto r : proto::all_roles)
            fuzz::require(root->keys_of(r).size() == root->role(r).key_ids.size(), "a role key does not load");
    }
    auto envelope = parse_json_input(text, 2 * proto::max_root_bytes);
    if (!envelope)
        return 0;
    if (auto first = proto::verify_first_root(*envelope))
        fuzz::require(first->version >= 1, "a verified root of version 0");
    const auto& trusted = fuzz::fixed_root();
    if (auto next = proto::verify_next_root(trusted, *envelope))
        fuzz::require(next->version == trusted.version + 1, "a next root that is not version + 1");
    auto chain = proto::follow_root_chain(trusted, {*envelope});
    fuzz::require(chain.newest.version >= trusted.version, "following a chain went back");
    (void)proto::verify_by_role(trusted, proto::role_name::publisher, *envelope, "application/vnd.uun.update+json");
    return 0;
}
