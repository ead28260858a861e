// Bounded JSON parsing (see header): one linear pre-scan for depth, then
// nlohmann-json without exceptions.
#include "lib/util/json_input.hpp"

namespace uun {

namespace {

// Deepest nesting of [ and { outside strings.
int nesting_depth(std::string_view text)
{
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '[' || c == '{')
            deepest = std::max(deepest, ++depth);
        else if (c == ']' || c == '}')
            --depth;
    }
    return deepest;
}

}  // namespace

result<nlohmann::json> parse_json_input(std::string_view text, std::size_t max_bytes, int max_depth)
{
    if (text.size() > max_bytes)
        return fail(cat("JSON body of ", text.size(), " bytes exceeds the limit of ", max_bytes));
    if (nesting_depth(text) > max_depth)
        return fail(cat("JSON nested deeper than ", max_depth, " levels"));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        return fail("body is not valid JSON");
    return j;
}

}  // namespace uun
