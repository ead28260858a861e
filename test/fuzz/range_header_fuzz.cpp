// libFuzzer harness: the Range header of a payload download (from anyone who
// reaches uun-server). The first 8 bytes are the payload size, the rest the
// header. Whatever it says, a partial answer must lie inside the payload.
#include "server/daemon/byte_range.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace uun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::uint64_t payload = 0;
    std::size_t head = size < sizeof payload ? size : sizeof payload;
    std::memcpy(&payload, data, head);
    std::string_view header = fuzz::as_text(data + head, size - head);
    auto choice = daemon::choose_byte_range(header, payload);
    switch (choice.kind) {
    case daemon::range_kind::whole:
        fuzz::require(choice.length == payload, "the whole answer is not the whole payload");
        break;
    case daemon::range_kind::partial:
        fuzz::require(choice.length >= 1 && choice.first < payload && choice.length <= payload - choice.first,
                      "a partial answer reaches outside the payload");
        break;
    case daemon::range_kind::unsatisfiable:
        break;
    }
    fuzz::require(!daemon::content_range(choice, payload).empty(), "an empty Content-Range");
    return 0;
}
