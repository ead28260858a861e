// GET|HEAD /v1/payloads/<sha256> (doc/protocol.md): a published payload, whole
// or one byte range. Only names in the store's payload index are served, and
// a name is a validated sha256 before it comes near a path.
#include "lib/util/digest.hpp"
#include "lib/util/log.hpp"
#include "server/daemon/api.hpp"
#include "server/daemon/byte_range.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>

namespace uun::daemon {

http_reply api::payload(const http_request& request, std::string_view name)
{
    if (!is_sha256_hex(name))
        return error_reply(http::status::not_found, "no such payload (the name is 64 lowercase hex digits)");
    std::string sha256(name);
    auto indexed = store_.payload_size(sha256);
    if (!indexed)
        return store_failure("payload lookup", indexed.error());
    if (!*indexed)
        return error_reply(http::status::not_found, "no such payload");

    std::string path = payloads_.path_of(sha256);
    unique_fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st {};
    if (!file || ::fstat(file.get(), &st) != 0) {
        log::error(cat(path, ": payload in the index cannot be opened: ", std::strerror(errno)));
        return error_reply(http::status::internal_server_error, "the payload file is missing on the server");
    }
    auto size = static_cast<std::uint64_t>(st.st_size);
    if (!S_ISREG(st.st_mode) || size != **indexed) {
        log::error(cat(path, ": payload file is ", size, " bytes, the index says ", **indexed));
        return error_reply(http::status::internal_server_error, "the payload file does not match the index");
    }

    auto range = choose_byte_range(request[http::field::range], size);
    if (range.kind == range_kind::unsatisfiable) {
        auto r = error_reply(http::status::range_not_satisfiable, cat("the payload has ", size, " bytes"));
        r.set(http::field::content_range, content_range(range, size));
        return r;
    }
    http_reply r{range.kind == range_kind::partial ? http::status::partial_content : http::status::ok, 11};
    r.set(http::field::content_type, "application/octet-stream");
    r.set(http::field::etag, cat("\"", sha256, "\""));
    r.set(http::field::accept_ranges, "bytes");
    // The name is the content's hash: it never changes.
    r.set(http::field::cache_control, "public, max-age=31536000, immutable");
    if (range.kind == range_kind::partial)
        r.set(http::field::content_range, content_range(range, size));
    r.body().file = std::move(file);
    r.body().offset = range.first;
    r.body().length = range.length;
    return r;
}

}  // namespace uun::daemon
