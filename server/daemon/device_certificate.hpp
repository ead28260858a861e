// registry.admission: certificate (doc/protocol.md, "Admission"): a new
// appliance is admitted when its poll carries X-UUN-Certificate, a
// certificate from the vendor's device CA (registry.device_ca) whose public
// key is the key that signed the poll and whose subject CN is its id, valid
// at the server's clock. Verification is OpenSSL's (X509_verify_cert);
// nothing here parses certificates by hand.
#pragma once

#include "lib/util/result.hpp"

#include <openssl/x509_vfy.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace uun::daemon {

class device_ca {
public:
    // The PEM file of the CA certificate(s) that issue device certificates.
    static result<device_ca> load(const std::string& pem_path);

    // Why the certificate (X-UUN-Certificate's value: base64 of DER) does
    // not vouch for raw_public_key as appliance id at now, or nothing.
    result<void> vouches(std::string_view certificate_base64, std::string_view raw_public_key, std::string_view id,
                         std::int64_t now) const;

    std::size_t certificates() const { return certificates_; }

private:
    std::shared_ptr<X509_STORE> store_;
    std::size_t certificates_ = 0;
};

}  // namespace uun::daemon
