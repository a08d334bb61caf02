// The console server over real loopback TCP: the server runs on its own io_context thread with
// the fake model, the test talks to it with a plain blocking socket.
#include "control/console/server.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/console/fake_model.hpp"

namespace sluice::console {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::string_view kGreeting = "sluice 0.1.0 console: type 'help' for the commands\n";

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Everything up to and including `marker`.
  std::string read_until(std::string_view marker) {
    const std::size_t size = asio::read_until(socket_, asio::dynamic_buffer(pending_), marker);
    std::string text = pending_.substr(0, size);
    pending_.erase(0, size);
    return text;
  }

  // Whatever arrives until the server closes the connection.
  std::string read_to_end() {
    boost::system::error_code error;
    asio::read(socket_, asio::dynamic_buffer(pending_), error);
    EXPECT_EQ(error, asio::error::eof);
    return std::exchange(pending_, {});
  }

  void close_abruptly() {
    socket_.set_option(asio::socket_base::linger(true, 0));  // RST instead of FIN
    socket_.close();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::string pending_;
};

class ServerTest : public ::testing::Test {
 protected:
  void start(std::string password = {}) {
    server_ = std::make_unique<ConsoleServer>(
        io_, ConsoleSettings{{net::IpAddress::v4({127, 0, 0, 1}), 0}, std::move(password)},
        model_);
    server_->start();
    port_ = server_->local_endpoint().port;
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    asio::post(io_, [this] {
      server_->stop();
      work_.reset();
    });
    if (thread_.joinable()) thread_.join();
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  testing::FakeModel model_;
  std::unique_ptr<ConsoleServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, GreetsPromptsAndAnswersJsonOnOneLine) {
  start();
  ASSERT_NE(port_, 0);
  Client client(port_);
  EXPECT_EQ(client.read_until("sluice> "), std::string(kGreeting) + "sluice> ");
  client.send("show version json\r\n");
  const std::string answer = client.read_until("sluice> ");
  EXPECT_EQ(answer,
            "{\"version\":\"0.1.0\",\"build\":\"debugoptimized gcc 12.2.0\",\"mode\":\"dpdk\"}\n"
            "sluice> ");
  client.send("quit\n");
  EXPECT_EQ(client.read_to_end(), "bye\n");
}

TEST_F(ServerTest, SeveralSessionsAtOnce) {
  start();
  Client first(port_);
  Client second(port_);
  first.read_until("sluice> ");
  second.read_until("sluice> ");
  first.send("show services json\n");
  second.send("show backends web json\n");
  const auto services = nlohmann::json::parse(second.read_until("\n"));
  EXPECT_EQ(services.size(), 2U);
  EXPECT_EQ(services[0]["address"], "10.1.0.1:8080");
  const auto backends = nlohmann::json::parse(first.read_until("\n"));
  EXPECT_EQ(backends[1]["name"], "dns");
  second.send("exit\n");
  EXPECT_EQ(second.read_to_end(), "sluice> bye\n");
  first.read_until("sluice> ");
  first.send("log level warn\n");  // the first session still works after the second left
  EXPECT_EQ(first.read_until("sluice> "), "log level set to warn\nsluice> ");
}

TEST_F(ServerTest, PipelinedCommandsAreAnsweredInOrder) {
  start();
  Client client(port_);
  client.read_until("sluice> ");
  client.send("reload\nbogus\nquit\nshow version\n");  // nothing after quit is run
  EXPECT_EQ(client.read_to_end(),
            "reloaded test.toml\nservice web: backends or scheduling changed\nsluice> "
            "error: unknown command 'bogus' (type 'help')\nsluice> bye\n");
}

TEST_F(ServerTest, TelnetNegotiationLongLinesAndControlBytesAreRefusedNotFatal) {
  start();
  Client client(port_);
  client.read_until("sluice> ");
  client.send(std::string("\xff\xfd\x03\xff\xfb\x18show\xff\xf1 version\r\n"));
  EXPECT_EQ(client.read_until("sluice> "),
            "sluice 0.1.0\nbuild: debugoptimized gcc 12.2.0\nmode: dpdk\nsluice> ");
  client.send(std::string(5000, 'x') + "\r\n");
  EXPECT_EQ(client.read_until("sluice> "),
            "error: line too long (more than 4096 bytes)\nsluice> ");
  client.send("show\x01 stats\n");
  EXPECT_EQ(client.read_until("sluice> "), "error: non-printable byte 0x01 in command\nsluice> ");
  client.send("help\n");
  EXPECT_NE(client.read_until("sluice> ").find("show backends [SERVICE] [json]"),
            std::string::npos);
}

TEST_F(ServerTest, BangBangInLineModeShowsAndRunsThePreviousCommand) {
  start();
  Client client(port_);
  client.read_until("sluice> ");
  client.send("!!\n");
  EXPECT_EQ(client.read_until("sluice> "),
            "error: !!: no previous command in this session\nsluice> ");
  client.send("log level warn\n");
  client.read_until("sluice> ");
  client.send("!!\n");
  EXPECT_EQ(client.read_until("sluice> "), "log level warn\nlog level set to warn\nsluice> ");
  EXPECT_EQ(model_.log_levels.size(), 2U);
}

// A telnet client in character mode (Ctrl-] `mode character`: IAC DO SGA, IAC DO ECHO): the
// server agrees, echoes each key, erases, recalls with the up arrow, answers with CR LF.
TEST_F(ServerTest, CharacterModeEchoesEditsAndRecallsHistory) {
  start();
  Client client(port_);
  client.read_until("sluice> ");
  client.send("\xff\xfd\x03\xff\xfd\x01");
  EXPECT_EQ(client.read_until("\xff\xfb\x03"), "\xff\xfb\x01\xff\xfb\x03");
  client.send("log");
  EXPECT_EQ(client.read_until("log"), "log");
  client.send(" levex\x7f");
  EXPECT_EQ(client.read_until("\b \b"), " levex\b \b");
  client.send(std::string("l warn\r\0", 8));
  EXPECT_EQ(client.read_until("sluice> "), "l warn\r\nlog level set to warn\r\nsluice> ");
  client.send("\x1b[A");
  EXPECT_EQ(client.read_until("warn"), "log level warn");
  client.send(std::string("\x17" "debug\r\0", 8));
  EXPECT_EQ(client.read_until("sluice> "),
            "\b\b\b\b    \b\b\b\bdebug\r\nlog level set to debug\r\nsluice> ");
  ASSERT_EQ(model_.log_levels.size(), 2U);
  EXPECT_EQ(model_.log_levels[1], spdlog::level::debug);
  client.send("show version\r\n");
  EXPECT_EQ(client.read_until("sluice> "),
            "show version\r\nsluice 0.1.0\r\nbuild: debugoptimized gcc 12.2.0\r\nmode: dpdk\r\n"
            "sluice> ");
}

TEST_F(ServerTest, CharacterModePasswordIsNotEchoedNorInHistory) {
  start("s3cret");
  Client client(port_);
  client.read_until("password: ");
  client.send("\xff\xfd\x01");
  client.read_until("\xff\xfb\x03");
  client.send(std::string("s3cret\r\0", 8));
  EXPECT_EQ(client.read_until("sluice> "), "\r\nsluice> ");
  client.send("\x1b[A");  // nothing to recall: the password is not history
  EXPECT_EQ(client.read_until("\a"), "\a");
}

TEST_F(ServerTest, PasswordFirstThenCommands) {
  start("s3cret");
  Client client(port_);
  EXPECT_EQ(client.read_until("password: "), std::string(kGreeting) + "password: ");
  client.send("wrong\r\n");
  EXPECT_EQ(client.read_until("password: "), "error: wrong password\npassword: ");
  client.send("s3cret\r\n");
  EXPECT_EQ(client.read_until("sluice> "), "sluice> ");
  client.send("show version json\n");
  EXPECT_EQ(nlohmann::json::parse(client.read_until("\n"))["mode"], "dpdk");
}

TEST_F(ServerTest, ThreeWrongPasswordsCloseTheSession) {
  start("s3cret");
  Client client(port_);
  client.read_until("password: ");
  client.send("help\r\ns3cre\r\ns3cret2\r\ns3cret\r\n");  // commands are not run before login
  EXPECT_EQ(client.read_to_end(),
            "error: wrong password\npassword: error: wrong password\npassword: "
            "error: wrong password, closing\n");
  EXPECT_TRUE(model_.log_levels.empty());
}

TEST_F(ServerTest, AbruptDisconnectsLeaveTheServerServing) {
  start();
  {
    Client gone(port_);
    gone.read_until("sluice> ");
    gone.send("show sta");  // half a command, then a reset
    gone.close_abruptly();
  }
  {
    Client silent(port_);  // connects and leaves without reading the greeting
    silent.close_abruptly();
  }
  Client client(port_);
  client.read_until("sluice> ");
  client.send("show stats json\n");
  EXPECT_EQ(nlohmann::json::parse(client.read_until("\n"))["rx_packets"], 120);
}

TEST_F(ServerTest, SixteenSessionsAtMostAndAClosedOneFreesItsPlace) {
  start();
  std::vector<std::unique_ptr<Client>> clients;
  for (int index = 0; index < 16; ++index) {
    clients.push_back(std::make_unique<Client>(port_));
    EXPECT_EQ(clients.back()->read_until("sluice> "), std::string(kGreeting) + "sluice> ");
  }
  Client refused(port_);
  EXPECT_EQ(refused.read_to_end(), "error: too many sessions (16)\n");
  clients.front()->send("quit\n");
  EXPECT_EQ(clients.front()->read_to_end(), "bye\n");
  Client admitted(port_);
  EXPECT_EQ(admitted.read_until("sluice> "), std::string(kGreeting) + "sluice> ");
}

TEST_F(ServerTest, BindFailureThrowsAtConstruction) {
  start();
  const ConsoleSettings taken{{net::IpAddress::v4({127, 0, 0, 1}), port_}, {}};
  asio::io_context other;
  EXPECT_THROW(ConsoleServer(other, taken, model_), boost::system::system_error);
}

}  // namespace
}  // namespace sluice::console
