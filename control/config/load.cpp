#include "control/config/load.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include "control/config/draft.hpp"

namespace sluice::config {
namespace {

// A configuration is a few kilobytes; anything this large is the wrong file.
constexpr std::uintmax_t kMaxFileBytes = 16u << 20;

std::shared_ptr<const Config> build(detail::ConfigDraft&& draft, std::string_view path) {
  auto config = std::make_shared<Config>(std::move(draft.settings));
  config->source_path = std::string(path);
  for (auto& interface : draft.interfaces) config->interfaces.push_back(std::move(interface.value));
  for (auto& route : draft.routes) config->routes.push_back(route.value);
  for (auto& neighbor : draft.neighbors) config->neighbors.push_back(std::move(neighbor.value));
  for (auto& service : draft.services) config->services.push_back(std::move(service.value));
  return config;
}

LoadResult unreadable(const std::filesystem::path& path, std::string reason) {
  return LoadResult(std::vector<Diagnostic>{
      Diagnostic{path.string(), 0, 0, "cannot read the configuration: " + std::move(reason)}});
}

}  // namespace

LoadResult parse_config(std::string_view text, std::string_view path_for_messages,
                        const LoadOptions& options) {
  detail::Diagnostics diagnostics{std::string(path_for_messages)};
  toml::table root;
  try {
    root = toml::parse(text, path_for_messages);
  } catch (const toml::parse_error& error) {
    // toml++ stops at the first syntax error; nothing after it can be trusted.
    const auto& begin = error.source().begin;
    diagnostics.error({begin.line, begin.column}, std::string(error.description()));
    return LoadResult(diagnostics.sorted());
  }

  detail::ConfigDraft draft;
  draft.root = detail::position_of(root);
  const detail::TableReader reader(root, "", diagnostics,
                                   {"appliance", "dpdk", "xdp", "console", "metrics", "conntrack",
                                    "interfaces", "routes", "neighbors", "services"});
  detail::parse_settings(reader, draft);
  if (options.mode_override) {
    draft.settings.appliance.mode = *options.mode_override;
    draft.mode_ok = true;
  }
  detail::parse_network(reader, draft);
  detail::parse_services(reader, draft);
  detail::check_network(draft, diagnostics);
  detail::check_services(draft, diagnostics);

  if (diagnostics.count() != 0) return LoadResult(diagnostics.sorted());
  return LoadResult(build(std::move(draft), path_for_messages));
}

LoadResult load_config(const std::filesystem::path& path, const LoadOptions& options) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return unreadable(path, "is a directory");
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxFileBytes) {
    return unreadable(path, "larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(path, errno != 0 ? std::strerror(errno) : "cannot open");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return unreadable(path, errno != 0 ? std::strerror(errno) : "read error");
  return parse_config(text, path.string(), options);
}

}  // namespace sluice::config
