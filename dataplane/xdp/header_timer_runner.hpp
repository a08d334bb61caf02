#pragma once
// Runs the XDP datapath's header timer (XdpDatapath::run_header_timers, docs/xdp.md "Header
// timer") on a thread of its own, every 50 ms, sending through an AF_PACKET socket.
//
// Why a thread and not the control thread's periodic tick: that tick runs once a second
// (control/runtime/appliance.cpp), and the header's first timeout is 200 ms (spec
// proxy-protocol.md, TCP item 5); a 50 ms scan sends each resend at most 50 ms late. The scan
// reads sl_flows in batches; when it takes long (very large tables) the period stretches to
// ten times the scan's duration, so the scan never takes more than a tenth of a core.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include "dataplane/xdp/frame_sink.hpp"
#include "dataplane/xdp/xdp_datapath.hpp"

namespace sluice::xdp {

inline constexpr std::chrono::milliseconds kHeaderTimerPeriod{50};

class HeaderTimerRunner {
 public:
  // Starts the thread; `datapath` must be started and must outlive this object (stop() it
  // after this is destroyed). Throws XdpError when the packet socket cannot be opened.
  explicit HeaderTimerRunner(XdpDatapath& datapath, std::chrono::milliseconds period = kHeaderTimerPeriod);
  ~HeaderTimerRunner();  // stops and joins the thread
  HeaderTimerRunner(const HeaderTimerRunner&) = delete;
  HeaderTimerRunner& operator=(const HeaderTimerRunner&) = delete;

 private:
  void run(const std::stop_token& stop);

  XdpDatapath& datapath_;
  std::chrono::milliseconds period_;
  PacketSocketSink sink_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started after everything it uses
};

}  // namespace sluice::xdp
