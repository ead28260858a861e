// --print-config (see header).
#include "lib/util/config_print.hpp"

namespace uun::config {

int print_settings(const settings& values, std::string_view key, std::string_view file, std::string_view program,
                   std::ostream& out, std::ostream& err)
{
    if (key.empty()) {
        for (const auto& [name, value] : values)
            out << name << " = " << value << "\n";
        return 0;
    }
    if (auto it = values.find(key); it != values.end()) {
        out << it->second << "\n";
        return 0;
    }
    err << program << ": '" << key << "' is not a setting of " << file
        << " (--print-config without a key lists them)\n";
    return 1;
}

}  // namespace uun::config
