// The control thread's job slot on a worker (pipeline/worker_mailbox.hpp), with a real second
// thread playing the worker's poll loop.
#include "dataplane/pipeline/worker_mailbox.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

TEST(WorkerMailbox, AJobRunsOnThePollingThreadUntilItSaysDone) {
  WorkerMailbox mailbox;
  std::atomic<bool> stop{false};
  std::thread::id worker_thread;
  std::thread worker([&] {
    worker_thread = std::this_thread::get_id();
    while (!stop.load()) mailbox.poll();
  });

  int rounds = 0;
  std::thread::id ran_on;
  WorkerJob job = [&] {
    ran_on = std::this_thread::get_id();
    return ++rounds == 3;  // a job that needs three poll rounds
  };
  ASSERT_TRUE(mailbox.post(&job));
  EXPECT_FALSE(mailbox.post(&job)) << "one job at a time";
  while (!mailbox.idle()) std::this_thread::yield();
  // idle() is the acquire that makes the job's writes visible here.
  EXPECT_EQ(rounds, 3);
  EXPECT_EQ(ran_on, worker_thread);
  EXPECT_NE(ran_on, std::this_thread::get_id());

  WorkerJob second = [&] { return ++rounds > 0; };
  ASSERT_TRUE(mailbox.post(&second));
  while (!mailbox.idle()) std::this_thread::yield();
  EXPECT_EQ(rounds, 4);
  stop = true;
  worker.join();
}

TEST(WorkerMailbox, AnEmptySlotIsIdleAndPollIsHarmless) {
  WorkerMailbox mailbox;
  EXPECT_TRUE(mailbox.idle());
  mailbox.poll();
  EXPECT_TRUE(mailbox.idle());
}

}  // namespace
}  // namespace sluice::pipeline
