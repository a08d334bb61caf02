#pragma once
// One walk over every drop reason a WorkerCounters block counts, with its stable name. `show
// stats`, the exit log and /metrics all list drops through it, so that a reason added to one of
// the enums appears in all three at once instead of in whichever lists were updated by hand.
// Pure: it reads the block and calls the visitor, nothing else; control-thread code only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/insertion/decision.hpp"
#include "dataplane/packet/drop_reason.hpp"
#include "dataplane/pipeline/counters.hpp"

namespace sluice::pipeline {

// Which part of the datapath refused the frame, i.e. which counter array holds the reason.
enum class DropStage : std::uint8_t {
  kParse,         // the packet parser or a rewrite: packet::DropReason
  kPipeline,      // the pipeline after parsing: PipelineDrop
  kTcpInsertion,  // the insertion engine's own reason, insertion::InsertionDrop: the detail of
                  // PipelineDrop::kTcpInsertion (the same segments, counted again by cause)
};

// How `show stats` and the exit log tell the stages apart in one flat list of names.
constexpr std::string_view drop_stage_prefix(DropStage stage) noexcept {
  switch (stage) {
    case DropStage::kParse: return "parse:";
    case DropStage::kPipeline: return "";
    case DropStage::kTcpInsertion: return "tcp_";
  }
  return "";
}

struct DropCount {
  DropStage stage;
  std::string_view reason;  // the stage's own name: "truncated_tcp", "no_backend", "client_syn_ack"
  std::uint64_t count;

  // "parse:truncated_tcp", "no_backend", "tcp_client_syn_ack".
  std::string name() const {
    std::string text(drop_stage_prefix(stage));
    text += reason;
    return text;
  }
};

// Calls visit(const DropCount&) for every reason, zero counts included, in a fixed order:
// parse, pipeline, TCP insertion, each in its enum's order.
template <typename Visitor>
void for_each_drop(const WorkerCounters& counters, Visitor&& visit) {
  // Index 0 of both enums is kNone, "not dropped": a success, never a reason.
  static_assert(static_cast<std::size_t>(packet::DropReason::kNone) == 0);
  static_assert(static_cast<std::size_t>(insertion::InsertionDrop::kNone) == 0);
  for (std::size_t index = 1; index < counters.parse_drops.size(); ++index) {
    visit(DropCount{DropStage::kParse,
                    packet::drop_reason_name(static_cast<packet::DropReason>(index)),
                    counters.parse_drops[index]});
  }
  for (std::size_t index = 0; index < counters.pipeline_drops.size(); ++index) {
    visit(DropCount{DropStage::kPipeline,
                    pipeline_drop_name(static_cast<PipelineDrop>(index)),
                    counters.pipeline_drops[index]});
  }
  // InsertionDrop has no kCount and its array has room to spare: the defined reasons are the
  // leading ones that have a name (to_string answers "unknown" past the last).
  for (std::size_t index = 1; index < counters.insertion_drops.size(); ++index) {
    const std::string_view reason =
        insertion::to_string(static_cast<insertion::InsertionDrop>(index));
    if (reason == "unknown") break;
    visit(DropCount{DropStage::kTcpInsertion, reason, counters.insertion_drops[index]});
  }
}

}  // namespace sluice::pipeline
