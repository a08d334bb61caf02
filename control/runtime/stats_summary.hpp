#pragma once
// One-line summaries of the datapath counters for the log (periodic debug line, final line on
// a clean stop).
#include <string>

#include "control/datapath/datapath.hpp"
#include "dataplane/dpdk/datapath.hpp"

namespace sluice::runtime {

// "rx 12 tx 10 dropped 2 flows 3 (active 1) pp_inserted 3 steered 0"
std::string summary_line(const dpdk::StatsSnapshot& snapshot);

// The same line for any datapath, without the DPDK shell's own counters.
std::string summary_line(const datapath::DatapathStats& stats);

// The non-zero drop reasons of the total, named as in `show stats` (pipeline/drop_walk.hpp):
// "parse:bad_ipv4_header_checksum 1, not_for_us 5, tcp_client_syn_ack 2"; empty when nothing
// was dropped by the pipeline.
std::string drop_reasons_line(const pipeline::WorkerCounters& total);

}  // namespace sluice::runtime
