// Ed25519 keys, key ids and DSSE envelopes.
#include "lib/proto/dsse.hpp"
#include "lib/util/base64.hpp"
#include "lib/util/file_util.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::proto;

TEST_CASE("keys round trip through PEM and keep their id")
{
    auto key = private_key::generate();
    REQUIRE(key);
    auto again = private_key::from_pem(key->pem());
    REQUIRE(again);
    CHECK(again->id() == key->id());
    auto pub = public_key::from_pem(key->public_part().pem());
    REQUIRE(pub);
    CHECK(pub->id() == key->id());
    CHECK(pub->id().size() == 16);
    CHECK(pub->raw().size() == 32);
    auto sig = key->sign("hello");
    CHECK(pub->verify("hello", sig));
    CHECK_FALSE(pub->verify("hellO", sig));
    CHECK_FALSE(pub->verify("hello", sig.substr(1)));
}

TEST_CASE("key files that are not Ed25519 PEM get an error naming the file")
{
    uun::test::scratch_dir dir;
    auto path = dir.file("bad.pem");
    REQUIRE(write_file_atomic(path, "not a key\n"));
    auto pub = public_key::load(path);
    REQUIRE_FALSE(pub);
    CHECK(pub.error().message.find(path) != std::string::npos);
    auto missing = private_key::load(dir.file("missing.pem"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("missing.pem") != std::string::npos);
    // An RSA/EC key is refused too: a P-256 public key.
    const char* p256 = "-----BEGIN PUBLIC KEY-----\n"
                       "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBowX3d+9jNqSF/ViRJ8yS45i4l6V\n"
                       "r2komb2YuQRScAFxh2fk646n5rK9yDQXtzrpBquRO8iS8vZJ7M+GmoJ7aw==\n"
                       "-----END PUBLIC KEY-----\n";
    auto ec = public_key::from_pem(p256, "p256.pem");
    REQUIRE_FALSE(ec);
    CHECK(ec.error().message.find("Ed25519") != std::string::npos);
}

TEST_CASE("a DSSE envelope verifies only with a trusted key over the right type")
{
    auto key = private_key::generate();
    auto other = private_key::generate();
    REQUIRE(key);
    REQUIRE(other);
    keyring ring;
    ring.add(key->public_part());

    auto env = dsse_sign(update_payload_type, R"({"seq":1})", *key);
    auto ok = dsse_verify(env, update_payload_type, ring);
    REQUIRE(ok);
    CHECK(ok->payload == R"({"seq":1})");
    CHECK(ok->key_id == key->id());

    CHECK(dsse_pae("t", "ab") == "DSSEv1 1 t 2 ab");

    auto wrong_type = dsse_verify(env, "application/other", ring);
    CHECK_FALSE(wrong_type);

    auto tampered = env;
    tampered["payload"] = base64_encode(R"({"seq":2})");
    CHECK_FALSE(dsse_verify(tampered, update_payload_type, ring));

    auto by_other = dsse_sign(update_payload_type, R"({"seq":1})", *other);
    auto refused = dsse_verify(by_other, update_payload_type, ring);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("untrusted") != std::string::npos);

    // Claiming a trusted key id with another key's signature fails.
    auto forged = by_other;
    forged["signatures"][0]["keyid"] = key->id();
    CHECK_FALSE(dsse_verify(forged, update_payload_type, ring));

    for (const char* bad : {R"([])", R"({"payloadType":1})", R"({"payloadType":"x","payload":"!","signatures":[]})"}) {
        INFO(std::string(bad));
        CHECK_FALSE(dsse_verify(nlohmann::json::parse(bad), update_payload_type, ring));
    }
}
