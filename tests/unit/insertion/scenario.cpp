#include "tests/unit/insertion/scenario.hpp"

#include <chrono>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

namespace sluice::insertion {

// Readable failure messages for the value types under test.
void PrintTo(HeaderPlacement value, std::ostream* os) { *os << to_string(value); }
void PrintTo(ResendCause value, std::ostream* os) { *os << to_string(value); }
void PrintTo(InsertionDrop value, std::ostream* os) { *os << to_string(value); }
void PrintTo(HeaderState value, std::ostream* os) { *os << to_string(value); }
void PrintTo(TimerAction value, std::ostream* os) { *os << to_string(value); }
void PrintTo(Verdict value, std::ostream* os) {
  *os << (value == Verdict::kForward ? "forward" : "drop");
}
void PrintTo(const HeaderSegment& value, std::ostream* os) {
  *os << "{seq " << value.seq.value() << ", ack " << value.ack.value() << "}";
}
void PrintTo(const ResetSegment& value, std::ostream* os) {
  *os << "{seq " << value.seq.value() << ", ack " << value.ack.value() << "}";
}
void PrintTo(const SackBlock& value, std::ostream* os) {
  *os << "[" << value.left.value() << ", " << value.right.value() << ")";
}

namespace test {
namespace {

Nanoseconds at(double ms) {
  return std::chrono::duration_cast<Nanoseconds>(std::chrono::duration<double, std::milli>(ms));
}

template <typename T>
void check(const std::optional<T>& expected, const T& actual, const char* what) {
  if (expected) {
    EXPECT_EQ(*expected, actual) << what;
  }
}

void check_client(const Expect& e, const ClientDecision& d) {
  check(e.verdict, d.verdict, "verdict");
  check(e.drop, d.drop, "drop reason");
  check(e.seq, d.seq.value(), "forwarded seq");
  check(e.header, d.header, "header placement");
  check(e.resend, d.resend, "resend cause");
  if (e.header_segment) {
    EXPECT_EQ(*e.header_segment, d.header_segment) << "header segment";
  }
  check(e.strip_syn_payload, d.strip_syn_payload, "strip SYN payload");
}

void check_backend(const Expect& e, const BackendDecision& d) {
  check(e.verdict, d.verdict, "verdict");
  check(e.drop, d.drop, "drop reason");
  check(e.ack, d.ack.value(), "translated ack");
  check(e.resend, d.resend, "resend cause");
  if (e.header_segment) {
    EXPECT_EQ(*e.header_segment, d.header_segment) << "header segment";
  }
  check(e.client_mss, d.client_mss, "client MSS");
  check(e.header_acked_now, d.header_acked_now, "header acked now");
  if (e.sack) {
    ASSERT_LE(e.sack->size(), d.sack.size());
    for (std::size_t i = 0; i < e.sack->size(); ++i) {
      EXPECT_EQ((*e.sack)[i], d.sack[i]) << "SACK block " << i;
    }
  }
}

void check_timer(const Expect& e, const TimerDecision& d) {
  check(e.timer, d.action, "timer action");
  if (e.header_segment) {
    EXPECT_EQ(*e.header_segment, d.header_segment) << "header segment";
  }
  if (e.to_client) {
    EXPECT_EQ(*e.to_client, d.to_client) << "RST to client";
  }
  if (e.to_backend) {
    EXPECT_EQ(*e.to_backend, d.to_backend) << "RST to backend";
  }
}

}  // namespace

void PrintTo(const Scenario& scenario, std::ostream* os) { *os << scenario.name; }

void run_scenario(const Scenario& scenario) {
  InsertionEngine engine(scenario.mode, scenario.header_length, TcpSeq(scenario.client_isn));
  for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
    const Step& step = scenario.steps[i];
    SCOPED_TRACE(scenario.description + " | step " + std::to_string(i + 1) + ": " + step.note);
    switch (step.who) {
      case Who::kClient:
        check_client(step.expected, engine.on_client_segment(step.segment, step.egress, at(step.at_ms)));
        break;
      case Who::kBackend:
        check_backend(step.expected, engine.on_backend_segment(step.segment));
        break;
      case Who::kTimer:
        check_timer(step.expected, engine.on_timer(at(step.at_ms)));
        break;
    }
    check(step.expected.state, engine.header_state(), "header state after");
    if (step.expected.deadline_ms) {
      const std::optional<Nanoseconds> deadline = engine.next_deadline();
      if (*step.expected.deadline_ms) {
        ASSERT_TRUE(deadline.has_value()) << "timer should be armed";
        EXPECT_EQ(at(**step.expected.deadline_ms), *deadline) << "deadline";
      } else {
        EXPECT_FALSE(deadline.has_value()) << "timer should not be armed";
      }
    }
  }
}

}  // namespace test
}  // namespace sluice::insertion
