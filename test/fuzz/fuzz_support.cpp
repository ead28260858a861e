// The fixed keys and root of fuzz_support.hpp, made once per process. A key
// that does not load is a broken harness: abort at once, before fuzzing.
#include "test/fuzz/fuzz_support.hpp"

#include <map>

namespace uun::fuzz {

namespace {

const char* pem_of(fixed_key which)
{
    switch (which) {
    case fixed_key::publisher:
        return "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDADS1gH/HNBrB1dKHl9uKnwOPl1CROq97cZzmy3lNpw\n"
               "-----END PRIVATE KEY-----\n";
    case fixed_key::root:
        return "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPJGu2slF46QFKDDlU6fYNsa27D4piyCxsxx5HgvwNJ5\n"
               "-----END PRIVATE KEY-----\n";
    case fixed_key::timestamp:
        return "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPAaHQd8VXBQ8OC4GPyRxKcCgOV421m7E+18XlQrkPNi\n"
               "-----END PRIVATE KEY-----\n";
    case fixed_key::notify:
        return "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIOIgPTZ00FBMbWe+U8fbXhfwWKkFqXora6FYNp5DkpuG\n"
               "-----END PRIVATE KEY-----\n";
    }
    broken("unknown fixed key");
}

proto::private_key load(fixed_key which)
{
    auto k = proto::private_key::from_pem(pem_of(which), "fuzz key");
    if (!k)
        broken("a fixed fuzz key does not load");
    return std::move(*k);
}

}  // namespace

const proto::private_key& key(fixed_key which)
{
    static const std::map<fixed_key, proto::private_key> keys = {
        {fixed_key::publisher, load(fixed_key::publisher)},
        {fixed_key::root, load(fixed_key::root)},
        {fixed_key::timestamp, load(fixed_key::timestamp)},
        {fixed_key::notify, load(fixed_key::notify)},
    };
    return keys.at(which);
}

const proto::keyring& publisher_ring()
{
    static const proto::keyring ring = [] {
        proto::keyring r;
        r.add(key(fixed_key::publisher).public_part());
        return r;
    }();
    return ring;
}

const proto::root_metadata& fixed_root()
{
    static const proto::root_metadata root = [] {
        proto::root_plan plan;
        plan.version = 1;
        plan.expires = fixed_now + 365 * 86400;
        plan.keys[proto::role_name::root] = {key(fixed_key::root).public_part()};
        plan.keys[proto::role_name::publisher] = {key(fixed_key::publisher).public_part()};
        plan.keys[proto::role_name::timestamp] = {key(fixed_key::timestamp).public_part()};
        plan.keys[proto::role_name::notify] = {key(fixed_key::notify).public_part()};
        auto made = proto::make_root(plan);
        if (!made)
            broken("the fixed fuzz root does not make");
        return std::move(*made);
    }();
    return root;
}

}  // namespace uun::fuzz
