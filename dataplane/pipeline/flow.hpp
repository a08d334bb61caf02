#pragma once
// One conntrack entry: both directions' keys, the NAT bindings they imply, the TCP tracking
// state, and the PROXY insertion engine. Lives in the worker's EntryPool; its timer node is
// embedded (the wheel links it directly), so creating a flow allocates nothing.
//
// The keys carry every address the rewrites need:
//   client -> backend: source := backend_key.destination (SNAT:port),
//                      destination := backend_key.source (backend:port)
//   backend -> client: source := client_key.destination (VIP:port),
//                      destination := client_key.source (client:port)
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "dataplane/conntrack/flow_key.hpp"
#include "dataplane/conntrack/timer_wheel.hpp"
#include "dataplane/insertion/engine.hpp"
#include "dataplane/pipeline/tables.hpp"
#include "dataplane/sched/backend_set.hpp"
#include "dataplane/shared/syn_proxy.h"
#include "dataplane/shared/tcp_rules.h"

namespace sluice::pipeline {

// The conntrack TCP state as `show conntrack` prints it (LVS-like: the appliance sees both
// sides, so it tracks the connection, not one endpoint).
enum class TcpState : std::uint8_t {
#define SLUICE_TCP_STATE(c_name, cpp_name, value, text) cpp_name = value,
  SL_TCP_STATE_LIST(SLUICE_TCP_STATE)  // dataplane/shared/tcp_rules.h: one list for both datapaths
#undef SLUICE_TCP_STATE
};
std::string_view tcp_state_name(TcpState state) noexcept;  // "ESTABLISHED", ...



// The next hop's MAC as last resolved for one direction of a flow, so that forwarding does not
// hash the next hop into the neighbour table per packet. Valid while `generation` equals the
// table's (NeighborTable::generation(), bumped whenever an entry is added or changes); 0 never
// matches.
struct NeighborCache {
  net::MacAddress mac;
  std::uint32_t generation = 0;
};

// Which side a packet came from, encoded in the low bit of a flow index handle.
enum class Side : std::uint8_t { kClient = 0, kBackend = 1 };

struct Flow : conntrack::TimerNode {
  conntrack::FlowKey client_key;   // client -> VIP, as received
  conntrack::FlowKey backend_key;  // backend -> SNAT, as received
  std::uint64_t client_hash = 0;   // hashes of the keys, to erase them from the index
  std::uint64_t backend_hash = 0;
  std::uint64_t serial = 0;        // (worker << 48) | n: the UNIQUE_ID's second half
  std::int64_t created_ns = 0;
  std::int64_t last_seen_ns = 0;
  std::optional<insertion::InsertionEngine> engine;  // TCP flows of services with a header
  net::IpAddress client_next_hop;   // on-link neighbour towards the client
  net::IpAddress backend_next_hop;  // and towards the backend
  NeighborCache client_neighbor;    // client_next_hop's MAC
  NeighborCache backend_neighbor;   // backend_next_hop's MAC
  ServiceId service = 0;
  sched::BackendSlot backend_slot;
  PortId client_port = kNoPort;     // where the client's packets arrive and answers leave
  PortId backend_port = kNoPort;
  TcpState tcp_state = TcpState::kSynSent;
  std::uint32_t client_isn = 0;     // TCP: the SYN's seq (sl_syn_sent_backend_ack)
  bool udp_header_sent = false;     // first-datagram mode: the header went with datagram 1
  std::uint8_t conntrack_flags = 0; // SL_FLOW_* (dataplane/shared/embryonic.h)
  std::uint8_t track_flags = 0;     // SL_TRACK_*: which sides sent FIN, who sent the second
                                    // (LAST_ACK -> TIME_WAIT), for sl_tcp_track
  // The client's last raw window and timestamps option: copied into header segments sent
  // without a client segment to copy from (timer and backend-triggered resends).
  std::uint16_t client_window = 0;
  bool client_has_timestamps = false;
  std::array<std::uint8_t, 8> client_timestamps{};  // TSval, TSecr as on the wire
  // A flow created from a SYN cookie (flags SL_SP_PROXIED): the deltas between the client's
  // view and the backend's, once the backend's SYN-ACK set them (dataplane/shared/syn_proxy.h).
  // All zero for every other flow. 16 bytes, 4-aligned: it fills the tail after the arrays.
  sl_syn_proxy syn_proxy{};

  std::uint8_t protocol() const noexcept { return client_key.protocol; }
  net::Endpoint client() const noexcept {
    return {client_key.source_address(), client_key.source_port};
  }
  net::Endpoint vip() const noexcept {
    return {client_key.destination_address(), client_key.destination_port};
  }
  net::Endpoint backend() const noexcept {
    return {backend_key.source_address(), backend_key.source_port};
  }
  net::Endpoint local() const noexcept {
    return {backend_key.destination_address(), backend_key.destination_port};
  }
};

}  // namespace sluice::pipeline
