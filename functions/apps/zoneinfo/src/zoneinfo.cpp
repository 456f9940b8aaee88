#include "zoneinfo.hpp"

#include <fstream>
#include <stdexcept>
#include <utility>

namespace dn::zoneinfo {
namespace {

constexpr std::size_t kMaxZoneName = 128;
constexpr std::streamsize kMaxZoneFile = 1 << 20;  // real files are < 4 KB
// The file's bytes, or nullopt when it cannot be opened.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(static_cast<std::size_t>(kMaxZoneFile) + 1, '\0');
  in.read(data.data(), kMaxZoneFile + 1);
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

}  // namespace

std::optional<std::string> check_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneName) {
    return std::string("TIMEZONE must be an IANA zone name such as Europe/London");
  }
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      const auto segment = name.substr(segment_start, i - segment_start);
      if (segment.empty() || segment.front() == '.') {
        return std::string("TIMEZONE must be an IANA zone name such as Europe/London");
      }
      segment_start = i + 1;
      continue;
    }
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) return std::string("TIMEZONE must be an IANA zone name such as Europe/London");
  }
  return std::nullopt;
}

std::vector<std::string> zoneinfo_roots(const runtime::GetenvFn& getenv) {
  std::vector<std::string> roots;
  if (const char* task_root = getenv("LAMBDA_TASK_ROOT"); task_root != nullptr && *task_root) {
    roots.push_back(std::string(task_root) + "/zoneinfo");
  }
  roots.emplace_back("/usr/share/zoneinfo");
  return roots;
}

core::TimeZone load_zone(const std::string& name, const std::vector<std::string>& roots) {
  if (auto reason = check_zone_name(name)) throw std::runtime_error(*reason + ": " + name);
  for (const auto& root : roots) {
    std::string path = root;
    path += '/';
    path += name;
    const auto data = read_file(path);
    if (!data) continue;
    auto zone = core::TimeZone::from_tzif(*data);
    if (!zone.ok()) {
      std::string message = "TIMEZONE ";
      message += name;
      message += ": ";
      message += path;
      message += ": ";
      message += zone.error().text;
      throw std::runtime_error(message);
    }
    return std::move(zone).value();
  }
  if (name == "UTC") return core::TimeZone::utc();
  throw std::runtime_error("TIMEZONE " + name + ": no such zone file");
}

}  // namespace dn::zoneinfo
