// libFuzzer target for the configuration loader: TOML text -> parse_config -> validated Config,
// in both modes (the first input byte picks the mode override), then everything `sluice check`
// and `sluice run` do with a config that validates. Properties on every input:
//   - no crash, no uncaught exception, no read out of bounds (ASan/UBSan): a bad file is
//     diagnostics, never a failure of the loader;
//   - a rejected file has at least one diagnostic, each naming the file, sorted by position
//     (load.hpp), each printable as FILE[:LINE:COL]: error: MESSAGE;
//   - an accepted file summarises (sluice check) and compiles into pipeline::Tables
//     (tables_from_config, what `sluice run` does next) without throwing, twice in a row as a
//     reload of itself; its XDP map entries are built or refused with std::invalid_argument
//     (map_entries.hpp: a bound of the XDP maps), nothing else.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "control/config/load.hpp"
#include "control/config/summary.hpp"
#include "control/datapath/tables_from_config.hpp"
#include "dataplane/xdp/map_entries.hpp"

namespace {

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_config: %s: %s\n", what, detail.c_str());
  std::abort();
}

void check_diagnostics(const std::vector<sluice::config::Diagnostic>& diagnostics) {
  if (diagnostics.empty()) finding("rejected without a diagnostic", "");
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    const sluice::config::Diagnostic& d = diagnostics[i];
    if (d.file != "fuzz.toml") finding("diagnostic names another file", d.to_string());
    if (d.message.empty()) finding("diagnostic without a message", d.to_string());
    const std::string text = d.to_string();
    if (text.rfind("fuzz.toml", 0) != 0 || text.find("error: ") == std::string::npos) {
      finding("diagnostic not in FILE:LINE:COL: error: form", text);
    }
    if (i > 0) {
      const sluice::config::Diagnostic& p = diagnostics[i - 1];
      if (p.line > d.line || (p.line == d.line && p.column > d.column)) {
        finding("diagnostics not sorted by position", p.to_string() + " before " + text);
      }
    }
  }
}

void compile(const sluice::config::Config& config, bool xdp) {
  for (const sluice::config::Service& service : config.services) {
    if (sluice::config::summarize(service).empty()) finding("empty summary", service.name);
  }
  std::vector<sluice::net::MacAddress> macs;
  for (std::size_t i = 0; i < config.interfaces.size(); ++i) {
    macs.push_back(sluice::net::MacAddress(std::array<std::uint8_t, 6>{0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(i + 1)}));
  }
  std::shared_ptr<const sluice::pipeline::Tables> tables;
  try {
    tables = sluice::datapath::tables_from_config(config, macs);
    // A reload with the same file: every service keeps its id.
    tables = sluice::datapath::tables_from_config(config, macs, tables.get());
  } catch (const std::exception& error) {
    finding("a validated config does not compile into tables", error.what());
  }
  if (!xdp) return;
  std::vector<std::uint32_t> ifindexes;
  for (std::size_t i = 0; i < config.interfaces.size(); ++i) ifindexes.push_back(static_cast<std::uint32_t>(i + 2));
  sluice::xdp::MapEntryOptions options;
  options.ifindexes = ifindexes;
  options.nr_cpus = 2;
  try {
    (void)sluice::xdp::map_entries(*tables, options);
  } catch (const std::invalid_argument&) {
    // A bound of the XDP maps (more services, ports or maglev tables than they hold): the
    // loader reports it at start-up.
  } catch (const std::exception& error) {
    finding("map_entries threw other than invalid_argument", error.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  sluice::config::LoadOptions options;
  const bool xdp = (data[0] & 1) != 0;
  if ((data[0] & 2) != 0) options.mode_override = xdp ? sluice::config::Mode::kXdp : sluice::config::Mode::kDpdk;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  sluice::config::LoadResult result = [&] {
    try {
      return sluice::config::parse_config(text, "fuzz.toml", options);
    } catch (const std::exception& error) {
      finding("parse_config threw", error.what());
    }
  }();
  if (!result.ok()) {
    check_diagnostics(result.diagnostics());
    return 0;
  }
  const sluice::config::Config& config = *result.config();
  compile(config, config.appliance.mode == sluice::config::Mode::kXdp);
  return 0;
}
