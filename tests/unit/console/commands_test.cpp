#include "control/console/commands.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/console/fake_model.hpp"

namespace sluice::console {
namespace {

using nlohmann::json;

class CommandsTest : public ::testing::Test {
 protected:
  CommandResult run(std::string_view line) { return commands_.execute(line); }

  // The output of a `... json` command: exactly one line holding one JSON document.
  json run_json(std::string_view line) {
    const CommandResult result = run(line);
    EXPECT_FALSE(result.close_session);
    EXPECT_FALSE(result.output.empty());
    EXPECT_EQ(result.output.find('\n'), result.output.size() - 1) << result.output;
    return json::parse(result.output);
  }

  testing::FakeModel model_;
  ConsoleCommands commands_{model_};
};

TEST_F(CommandsTest, EmptyAndBlankLinesAnswerNothing) {
  EXPECT_EQ(run("").output, "");
  EXPECT_EQ(run("   \t ").output, "");
  EXPECT_FALSE(run("").close_session);
}

TEST_F(CommandsTest, HelpListsEveryCommandOfTheSpec) {
  const std::string help = run("help").output;
  for (const char* command :
       {"help", "show version", "show interfaces", "show services", "show backends",
        "show conntrack", "show stats", "show neighbors", "show routes", "backend enable|disable",
        "backend weight", "conntrack flush", "reload", "log level", "quit, exit"}) {
    EXPECT_NE(help.find(command), std::string::npos) << command;
  }
  EXPECT_EQ(help.rfind("command", 0), 0U);  // header row first
}

TEST_F(CommandsTest, QuitAndExitCloseTheSession) {
  for (const char* command : {"quit", "exit", "  quit  "}) {
    const CommandResult result = run(command);
    EXPECT_TRUE(result.close_session) << command;
    EXPECT_EQ(result.output, "bye\n");
  }
  EXPECT_FALSE(run("quit now").close_session);
}

TEST_F(CommandsTest, ShowVersionHumanAndJson) {
  EXPECT_EQ(run("show version").output,
            "sluice 0.1.0\nbuild: debugoptimized gcc 12.2.0\nmode: dpdk\n");
  const json document = run_json("show version json");
  EXPECT_EQ(document, json::parse(R"({"version":"0.1.0","build":"debugoptimized gcc 12.2.0",
                                      "mode":"dpdk"})"));
}

TEST_F(CommandsTest, ShowInterfacesTable) {
  EXPECT_EQ(run("show interfaces").output,
            "name   mac                addresses                    link  rx_packets  rx_bytes  "
            "tx_packets  tx_bytes  drops\n"
            "front  02:00:00:00:00:01  192.0.2.1/24,2001:db8::1/64  up    120         9000      "
            "108         8000      3\n");
  const json document = run_json("show interfaces json");
  ASSERT_EQ(document.size(), 1U);
  EXPECT_EQ(document[0]["name"], "front");
  EXPECT_EQ(document[0]["addresses"], json::parse(R"(["192.0.2.1/24","2001:db8::1/64"])"));
  EXPECT_EQ(document[0]["link"], "up");
  EXPECT_EQ(document[0]["rx_bytes"], 9000);
  EXPECT_EQ(document[0]["drops"], 3);
}

TEST_F(CommandsTest, ShowServicesTableShowsUnknownCountsAsDash) {
  EXPECT_EQ(run("show services").output,
            "name  vip                    scheduler  proxy  backends  active\n"
            "web   192.0.2.10:80/tcp      maglev     v2     2/2       4\n"
            "dns   [2001:db8::53]:53/udp  rr         none   1/1       -\n");
}

TEST_F(CommandsTest, ShowServicesJsonHasTheSpecKeys) {
  const json document = run_json("show services json");
  EXPECT_EQ(document, json::parse(R"([
    {"name":"web","vip":"192.0.2.10:80","protocol":"tcp","scheduler":"maglev",
     "proxy_protocol":"v2","backends_up":2,"backends_total":2,"active":4},
    {"name":"dns","vip":"[2001:db8::53]:53","protocol":"udp","scheduler":"rr",
     "proxy_protocol":"none","backends_up":1,"backends_total":1,"active":null}])"));
}

TEST_F(CommandsTest, ShowBackendsOfOneService) {
  EXPECT_EQ(run("show backends web").output,
            "address        weight  state     active  total\n"
            "10.1.0.1:8080  1       up        3       5\n"
            "10.1.0.2:8080  0       disabled  1       2\n");
  const json document = run_json("show backends web json");
  EXPECT_EQ(document, json::parse(R"([
    {"address":"10.1.0.1:8080","weight":1,"state":"up","active":3,"total":5},
    {"address":"10.1.0.2:8080","weight":0,"state":"disabled","active":1,"total":2}])"));
}

TEST_F(CommandsTest, ShowBackendsOfEveryServiceNamesTheService) {
  const json document = run_json("show backends json");
  ASSERT_EQ(document.size(), 3U);
  EXPECT_EQ(document[0]["service"], "web");
  EXPECT_EQ(document[2]["service"], "dns");
  EXPECT_EQ(document[2]["address"], "[2001:db8:1::5]:53");
  EXPECT_TRUE(document[2]["active"].is_null());
  const std::string table = run("show backends").output;
  EXPECT_NE(table.find("dns      [2001:db8:1::5]:53  3       up        -       -\n"), std::string::npos)
      << table;
}

TEST_F(CommandsTest, ShowBackendsOfAnUnknownServiceIsAnError) {
  EXPECT_EQ(run("show backends mail").output, "error: no service named 'mail'\n");
  EXPECT_EQ(run("show backends mail json").output, "error: no service named 'mail'\n");
  EXPECT_EQ(run("show backends web extra").output,
            "error: usage: show backends [SERVICE] [json]\n");
}

TEST_F(CommandsTest, ShowStatsJsonTotalsAndWorkers) {
  const json document = run_json("show stats json");
  EXPECT_EQ(document["rx_packets"], 120);
  EXPECT_EQ(document["tx_packets"], 108);
  EXPECT_EQ(document["dropped"], 12);
  EXPECT_EQ(document["flows_created"], 9);
  EXPECT_EQ(document["flows_active"], 4);
  EXPECT_EQ(document["pp_inserted"], 8);
  EXPECT_EQ(document["pp_resent"], 1);
  EXPECT_EQ(document["drops"]["not_for_us"], 10);
  EXPECT_EQ(document["drops"]["parse:truncated_tcp"], 2);
  EXPECT_EQ(document["drops"]["no_backend"], 0);  // every reason is listed, zero or not
  EXPECT_FALSE(document["drops"].contains("parse:none"));  // kNone is not a drop
  ASSERT_EQ(document["workers"].size(), 2U);
  EXPECT_EQ(document["workers"][0]["worker"], 0);
  EXPECT_EQ(document["workers"][0]["rx_packets"], 100);
  EXPECT_EQ(document["workers"][1]["worker"], 1);
  EXPECT_EQ(document["workers"][1]["flows_active"], 1);
  EXPECT_EQ(document["workers"][1]["drops"]["parse:truncated_tcp"], 2);
}

TEST_F(CommandsTest, ShowStatsTableHasAColumnPerWorkerAndTheDrops) {
  const std::string table = run("show stats").output;
  EXPECT_EQ(table.rfind("counter                  total  worker0  worker1\n", 0), 0U) << table;
  EXPECT_NE(table.find("rx_packets               120    100      20\n"), std::string::npos) << table;
  EXPECT_NE(table.find("drops by reason:\n"), std::string::npos);
  EXPECT_NE(table.find("  parse:truncated_tcp 2\n  not_for_us 10\n"), std::string::npos) << table;
}

// The insertion engine's reasons are listed as "tcp_<reason>", like the exit log does, every one
// of them zero or not; the table names the non-zero ones after the pipeline's.
TEST_F(CommandsTest, ShowStatsListsTheTcpInsertionReasons) {
  const json document = run_json("show stats json");
  // value(key, -1): a missing key fails the comparison instead of aborting in operator[].
  const json& drops = document["drops"];
  EXPECT_EQ(drops.value("tcp_insertion", -1), 3);
  EXPECT_EQ(drops.value("tcp_client_syn_ack", -1), 3);
  EXPECT_EQ(drops.value("tcp_backend_not_synchronized", -1), 0);
  EXPECT_FALSE(drops.contains("tcp_none"));
  EXPECT_EQ(document["workers"][1]["drops"].value("tcp_client_syn_ack", -1), 3);
  EXPECT_EQ(document["workers"][0]["drops"].value("tcp_client_syn_ack", -1), 0);
  const std::string table = run("show stats").output;
  EXPECT_NE(table.find("  not_for_us 10\n  tcp_insertion 3\n  tcp_client_syn_ack 3\n"),
            std::string::npos)
      << table;
}

TEST_F(CommandsTest, ShowConntrackJsonHasTheSpecKeys) {
  const json flows = run_json("show conntrack json");
  ASSERT_EQ(flows.size(), 3U);
  EXPECT_EQ(flows[0]["proto"], "tcp");
  EXPECT_EQ(flows[0]["client"], "198.51.100.7:40000");
  EXPECT_EQ(flows[0]["vip"], "192.0.2.10:80");
  EXPECT_EQ(flows[0]["local"], "10.1.0.254:1024");
  EXPECT_EQ(flows[0]["backend"], "10.1.0.1:8080");
  EXPECT_EQ(flows[0]["state"], "ESTABLISHED");
  EXPECT_EQ(flows[0]["pp"], "acked");
  EXPECT_EQ(flows[1]["client"], "[2001:db8::7]:40001");
  EXPECT_EQ(flows[2]["pp"], "sent");
  // One more than the default limit is asked for, to know whether there was more.
  EXPECT_EQ(model_.conntrack_limits.back(), 1001U);
}

TEST_F(CommandsTest, ShowConntrackFiltersByServiceAndLimits) {
  EXPECT_EQ(run_json("show conntrack dns json").size(), 1U);
  EXPECT_EQ(run_json("show conntrack web limit 1 json").size(), 1U);
  EXPECT_EQ(model_.conntrack_limits.back(), 2U);
  const std::string table = run("show conntrack web limit 1").output;
  EXPECT_NE(table.find("ESTABLISHED"), std::string::npos) << table;
  EXPECT_NE(table.find("12.5s"), std::string::npos) << table;
  EXPECT_NE(table.find("(first 1 flows; more with 'limit N')"), std::string::npos) << table;
  EXPECT_EQ(run("show conntrack limit 3").output.find("(first"), std::string::npos);
  EXPECT_NE(run("show conntrack limit 2").output.find("(first 2 flows"), std::string::npos);
  EXPECT_EQ(run("show conntrack nope").output, "error: no service named 'nope'\n");
  EXPECT_EQ(run("show conntrack web limit 0").output,
            "error: show conntrack: limit N must be 1..1000000, not '0'\n");
  EXPECT_EQ(run("show conntrack web limit x").output,
            "error: show conntrack: limit N must be 1..1000000, not 'x'\n");
  EXPECT_EQ(run("show conntrack web limit").output,
            "error: usage: show conntrack [SERVICE] [limit N] [json]\n");
  EXPECT_EQ(run("show conntrack web extra words").output,
            "error: usage: show conntrack [SERVICE] [limit N] [json]\n");
}

TEST_F(CommandsTest, ShowNeighborsAndRoutes) {
  const json neighbors = run_json("show neighbors json");
  ASSERT_EQ(neighbors.size(), 2U);
  EXPECT_EQ(neighbors[0]["address"], "10.1.0.1");
  EXPECT_EQ(neighbors[0]["mac"], "02:00:00:00:01:01");
  EXPECT_EQ(neighbors[1]["kind"], "static");
  const json routes = run_json("show routes json");
  ASSERT_EQ(routes.size(), 2U);
  EXPECT_TRUE(routes[0]["via"].is_null());
  EXPECT_EQ(routes[1]["via"], "192.0.2.254");
  EXPECT_EQ(routes[1]["interface"], "front");
  const std::string table = run("show routes").output;
  EXPECT_NE(table.find("0.0.0.0/0"), std::string::npos) << table;
  EXPECT_EQ(run("show neighbors extra").output, "error: usage: show neighbors [json]\n");
}

TEST_F(CommandsTest, BackendCommandsReachTheModel) {
  EXPECT_EQ(run("backend disable web 10.1.0.1:8080").output,
            "backend web 10.1.0.1:8080 disabled\n");
  EXPECT_EQ(run("backend enable web 10.1.0.1:8080").output, "backend web 10.1.0.1:8080 enabled\n");
  EXPECT_EQ(run("backend weight web 10.1.0.1:8080 5").output,
            "backend web 10.1.0.1:8080 weight 5\n");
  EXPECT_EQ(run("backend disable nope 10.1.0.1:8080").output, "error: no service named 'nope'\n");
  ASSERT_EQ(model_.changes.size(), 4U);
  EXPECT_EQ(model_.changes[2], "weight web 10.1.0.1:8080 5");
  // Refused before reaching the model.
  EXPECT_EQ(run("backend weight web 10.1.0.1:8080 1001").output,
            "error: backend weight: N must be 0..1000, not '1001'\n");
  EXPECT_EQ(run("backend weight web 10.1.0.1:8080 -1").output,
            "error: backend weight: N must be 0..1000, not '-1'\n");
  EXPECT_EQ(run("backend disable web").output,
            "error: usage: backend enable|disable SERVICE ADDR:PORT | backend weight SERVICE "
            "ADDR:PORT N\n");
  EXPECT_EQ(model_.changes.size(), 4U);
}

TEST_F(CommandsTest, FlushAndReload) {
  EXPECT_EQ(run("conntrack flush").output, "flushed 3 flow(s)\n");
  EXPECT_EQ(run("conntrack flush web").output, "flushed 3 flow(s)\n");
  EXPECT_EQ(run("conntrack flush web dns").output, "error: usage: conntrack flush [SERVICE]\n");
  EXPECT_EQ(run("reload").output,
            "reloaded test.toml\nservice web: backends or scheduling changed\n");
  model_.reload_error = "test.toml: invalid, nothing changed:\n  test.toml:3:1: error: x";
  EXPECT_EQ(run("reload").output,
            "error: test.toml: invalid, nothing changed:\n  test.toml:3:1: error: x\n");
  EXPECT_EQ(model_.changes,
            (std::vector<std::string>{"flush (all)", "flush web", "reload", "reload"}));
}

TEST_F(CommandsTest, UnknownCommandsAreErrors) {
  EXPECT_EQ(run("frobnicate").output, "error: unknown command 'frobnicate' (type 'help')\n");
  EXPECT_EQ(run("show").output, "error: unknown command 'show' (type 'help')\n");
  EXPECT_EQ(run("show  bogus   json").output, "error: unknown command 'show bogus' (type 'help')\n");
  EXPECT_EQ(run("help me").output, "error: unknown command 'help me' (type 'help')\n");
  EXPECT_EQ(run("show version extra").output, "error: usage: show version [json]\n");
}

// A line with a command's name but words its form does not take is a usage error, like any
// other wrong invocation, and does nothing.
TEST_F(CommandsTest, ExtraWordsAfterACommandAreAUsageError) {
  const CommandResult quit = run("quit now");
  EXPECT_EQ(quit.output, "error: usage: quit, exit\n");
  EXPECT_FALSE(quit.close_session);
  EXPECT_EQ(run("exit now").output, "error: usage: quit, exit\n");
  EXPECT_EQ(run("reload now").output, "error: usage: reload\n");
  EXPECT_TRUE(model_.changes.empty());
  // `limit` is the keyword of show conntrack, not a service named "limit".
  EXPECT_EQ(run("show conntrack limit").output,
            "error: usage: show conntrack [SERVICE] [limit N] [json]\n");
  EXPECT_TRUE(model_.conntrack_limits.empty());
}

TEST_F(CommandsTest, LogLevelChangesTheModelsLevel) {
  EXPECT_EQ(run("log level debug").output, "log level set to debug\n");
  EXPECT_EQ(run("log level error").output, "log level set to error\n");
  ASSERT_EQ(model_.log_levels.size(), 2U);
  EXPECT_EQ(model_.log_levels[0], spdlog::level::debug);
  EXPECT_EQ(model_.log_levels[1], spdlog::level::err);
  EXPECT_EQ(run("log level loud").output,
            "error: usage: log level trace|debug|info|warn|error\n");
  EXPECT_EQ(run("log level").output, "error: usage: log level trace|debug|info|warn|error\n");
  EXPECT_EQ(model_.log_levels.size(), 2U);  // refused levels change nothing
}

}  // namespace
}  // namespace sluice::console
