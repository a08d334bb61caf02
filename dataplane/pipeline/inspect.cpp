#include "dataplane/pipeline/inspect.hpp"

#include <algorithm>

namespace sluice::pipeline {

std::string_view header_progress_name(HeaderProgress progress) noexcept {
  switch (progress) {
#define SLUICE_HEADER_PROGRESS(c_name, cpp_name, value, text) \
  case HeaderProgress::cpp_name: return text;
    SL_HEADER_STATE_LIST(SLUICE_HEADER_PROGRESS)  // dataplane/shared/tcp_insertion.h
#undef SLUICE_HEADER_PROGRESS
  }
  return "none";
}

namespace {

HeaderProgress header_progress(const Flow& flow, const Tables& tables) noexcept {
  if (flow.engine) {
    // One value space for both (SL_HEADER_STATE_LIST).
    return static_cast<HeaderProgress>(flow.engine->header_state());
  }
  const Service& service = tables.service(flow.service);
  if (flow.protocol() != kProtoUdp || !service.proxy) return HeaderProgress::kNone;
  // UDP has no acknowledgement: a header is "sent" once a datagram carried it.
  return flow.udp_header_sent ? HeaderProgress::kSent : HeaderProgress::kPending;
}

}  // namespace

FlowRecord flow_record(const Flow& flow, const Tables& tables, std::int64_t now_ns,
                       std::uint32_t worker) noexcept {
  FlowRecord record;
  record.protocol = flow.protocol();
  record.client = flow.client();
  record.vip = flow.vip();
  record.local = flow.local();
  record.backend = flow.backend();
  record.state = flow.tcp_state;
  record.header = header_progress(flow, tables);
  record.age_ns = std::max<std::int64_t>(0, now_ns - flow.created_ns);
  record.service = flow.service;
  record.worker = worker;
  return record;
}

void accumulate(FlowCounts& sum, const FlowCounts& more) {
  if (sum.size() < more.size()) sum.resize(more.size());
  for (std::size_t s = 0; s < more.size(); ++s) {
    sum[s].active += more[s].active;
    if (sum[s].backends.size() < more[s].backends.size()) {
      sum[s].backends.resize(more[s].backends.size());
    }
    for (std::size_t b = 0; b < more[s].backends.size(); ++b) {
      sum[s].backends[b].active += more[s].backends[b].active;
      sum[s].backends[b].total += more[s].backends[b].total;
    }
  }
}

}  // namespace sluice::pipeline
