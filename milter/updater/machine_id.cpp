// Machine-derived appliance id (see header). The application id below is
// uun's own and must never change: every appliance would get a new id.
#include "milter/updater/machine_id.hpp"

#include <systemd/sd-id128.h>

#include <cstring>

namespace uun::updater {

namespace {

// Made once with uuidgen for uun; systemd's sd_id128_get_machine_app_specific(3)
// hashes it with the machine id (HMAC-SHA256) so other programs' ids differ.
constexpr sd_id128_t uun_application_id = SD_ID128_MAKE(a5, 28, 6a, 98, f7, 8c, 4f, 95, 87, c0, a5, 74, de, 02, 34, 14);

}  // namespace

result<std::string> machine_appliance_id()
{
    sd_id128_t id;
    int rc = sd_id128_get_machine_app_specific(uun_application_id, &id);
    if (rc < 0)
        return fail(cat("cannot derive an appliance id from /etc/machine-id: ", std::strerror(-rc),
                        " (set appliance.id, or give the machine an id: systemd-machine-id-setup)"));
    char text[SD_ID128_STRING_MAX];
    return std::string(sd_id128_to_string(id, text));
}

}  // namespace uun::updater
