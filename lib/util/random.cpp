// CSPRNG bytes; an OpenSSL RAND failure is fatal by design (see header).
#include "lib/util/random.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace uun {

std::string random_bytes(std::size_t count)
{
    std::string out(count, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
        std::fputs("uun: fatal: the OS random number generator failed\n", stderr);
        std::abort();
    }
    return out;
}

}  // namespace uun
