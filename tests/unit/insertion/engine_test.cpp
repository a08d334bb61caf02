// Engine API facts that are not whole-flow scenarios: construction, names, state strings.
#include "dataplane/insertion/engine.hpp"

#include <gtest/gtest.h>

namespace sluice::insertion {
namespace {

TEST(InsertionEngine, FreshEngineIsPendingWithoutTimer) {
  const InsertionEngine engine(InsertionMode::kWithData, 28, TcpSeq(1000));
  EXPECT_EQ(engine.header_state(), HeaderState::kPending);
  EXPECT_EQ(engine.mode(), InsertionMode::kWithData);
  EXPECT_EQ(engine.client_isn(), TcpSeq(1000));
  EXPECT_EQ(engine.header_length(), 28);
  EXPECT_EQ(engine.timer_resends(), 0);
  EXPECT_FALSE(engine.next_deadline().has_value());
  EXPECT_FALSE(engine.delivery_stopped());
  EXPECT_EQ(engine.translate_client_seq(TcpSeq(1001)), TcpSeq(1029));
  EXPECT_EQ(engine.translate_server_ack(TcpSeq(1015)), TcpSeq(1001));
}

TEST(InsertionEngine, TimerBeforeAnySendDoesNothing) {
  InsertionEngine engine(InsertionMode::kOnConnect, 28, TcpSeq(1000));
  EXPECT_EQ(engine.on_timer(Nanoseconds(1'000'000'000)).action, TimerAction::kNothing);
  EXPECT_EQ(engine.header_state(), HeaderState::kPending);
}

TEST(InsertionEngine, ConsoleStrings) {
  EXPECT_EQ(to_string(HeaderState::kPending), "pending");
  EXPECT_EQ(to_string(HeaderState::kSent), "sent");
  EXPECT_EQ(to_string(HeaderState::kAcked), "acked");
  EXPECT_EQ(to_string(InsertionMode::kOnConnect), "on-connect");
  EXPECT_EQ(to_string(InsertionMode::kWithData), "with-data");
  EXPECT_EQ(to_string(ResendCause::kBackendDuplicateAck), "backend_duplicate_ack");
  EXPECT_EQ(to_string(InsertionDrop::kClientStraddlesStreamStart), "client_straddles_stream_start");
  EXPECT_EQ(to_string(TimerAction::kGiveUp), "give_up");
  EXPECT_EQ(to_string(HeaderPlacement::kStandaloneBefore), "standalone");
}

TEST(InsertionEngine, ScheduleConstants) {
  // Spec: initial 200 ms, doubling, at least 6 tries.
  EXPECT_EQ(header_rto(0), std::chrono::milliseconds(200));
  EXPECT_EQ(header_rto(1), std::chrono::milliseconds(400));
  EXPECT_EQ(header_rto(5), std::chrono::milliseconds(6400));
  EXPECT_GE(kMaxTimerResends, 6);
}

}  // namespace
}  // namespace sluice::insertion
