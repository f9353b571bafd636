// A multiplexer as a command_executor: commands of a run-time length with no
// bound on their argument count, the multiplexer's refusals, one server.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer_executor.hpp"

namespace {

using respcache::error_kind;
using respcache::net::command_view;
using respcache::net::multiplexer;
using respcache::net::multiplexer_executor;

TEST(MultiplexerExecutor, RunsCommandsOfAnyLengthAndRefusesWhatTheMultiplexerRefuses) {
    respcache::testing::redis_server server;
    auto options = respcache::net::parse_connection_string(server.connection_string());
    ASSERT_TRUE(options);
    auto m = multiplexer::connect(*options);
    ASSERT_TRUE(m) << m.error_value().message;
    multiplexer_executor executor(*m);
    EXPECT_FALSE(executor.is_cluster());
    EXPECT_EQ(executor.server_for("any").port, server.port());

    // 201 arguments: far beyond any fixed-size dispatch.
    std::vector<std::string> texts;
    for (int i = 0; i < 100; ++i) {
        texts.push_back("k" + std::to_string(i));
        texts.push_back("v" + std::to_string(i));
    }
    std::vector<std::string_view> mset{"MSET"};
    mset.insert(mset.end(), texts.begin(), texts.end());
    ASSERT_TRUE(executor.call({}, mset));
    EXPECT_EQ(server.raw_command({"GET", "k99"}), "$3\r\nv99\r\n");

    const std::string_view subscribe[] = {"SUBSCRIBE", "news"};
    auto refused = executor.call({}, subscribe);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::config);

    const std::string_view blpop[] = {"BLPOP", "list", "1"};
    const command_view batch[] = {blpop};
    auto blocking = executor.execute(batch, {});
    ASSERT_FALSE(blocking);
    EXPECT_EQ(blocking.error_value().kind, error_kind::config);

    const std::string_view incr[] = {"INCR", "counter"};
    const command_view tx[] = {incr, incr};
    auto ran = executor.execute_transaction(tx, {});
    ASSERT_TRUE(ran) << ran.error_value().message;
    EXPECT_EQ(ran->view()[1].integer(), 2);
    EXPECT_GT(executor.connection_counters().commands_sent, 0u);
}

}  // namespace
