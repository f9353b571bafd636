// The Redis cache on a server that runs no scripts (EVALSHA and EVAL renamed
// away here; Garnet without --lua says "scripting support disabled"): the
// first refusal switches the cache to .NET's two-command forms, which store
// the same format and set the same TTLs, and no script is tried again.

#include <gtest/gtest.h>

#include <future>

#include "redis_server.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/resp/reader.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;

testing::redis_server::settings without_scripting() {
    testing::redis_server::settings s;
    s.extra = {"--rename-command", "EVALSHA", "", "--rename-command", "EVAL", ""};
    return s;
}

class RedisCacheWithoutScripts : public ::testing::Test {
  protected:
    testing::redis_server server{without_scripting()};
    std::shared_ptr<redis_cache> cache = [this] {
        auto c = redis_cache::connect(*net::parse_connection_string(server.connection_string()),
                                      {"app:", nullptr});
        EXPECT_TRUE(c) << (c ? "" : c.error_value().message);
        return c ? *c : nullptr;
    }();

    std::string raw_line(const std::vector<std::string>& command) {
        resp::reader reader;
        reader.feed(server.raw_command(command));
        const auto r = (*reader.next())->to_owned();
        return r.view().kind() == resp::type::integer ? std::to_string(r.view().integer())
                                                      : std::string(r.view().string());
    }
    std::int64_t pttl(const std::string& key) { return std::stoll(raw_line({"PTTL", key})); }
    // How many commands the server refused as unknown since the cache
    // connected: each script attempt is one.
    std::int64_t unknown_commands() { return refused_errors() - refused_at_start; }
    std::int64_t refused_errors() {
        const std::string stats = raw_line({"INFO", "errorstats"});
        const auto at = stats.find("errorstat_ERR:count=");
        return at == std::string::npos ? 0 : std::stoll(stats.substr(at + 20));
    }
    const std::int64_t refused_at_start = refused_errors();
};

TEST_F(RedisCacheWithoutScripts, SetGetRefreshAndRemoveWorkAndTryTheScriptOnce) {
    entry_options options = entry_options::expires_in(60s);
    options.sliding_expiration = 20s;
    ASSERT_TRUE(cache->set("both", std::string("\0\xff", 2), options));
    EXPECT_EQ(unknown_commands(), 1);
    EXPECT_EQ(raw_line({"HGET", "app:both", "sldexp"}), "200000000");
    EXPECT_EQ(raw_line({"HGET", "app:both", "data"}), std::string("\0\xff", 2));
    EXPECT_LE(pttl("app:both"), 20'000);

    server.raw_command({"PEXPIRE", "app:both", "3000"});
    const auto got = cache->get("both");
    ASSERT_TRUE(got && got->has_value());
    EXPECT_EQ(**got, std::string("\0\xff", 2));
    EXPECT_GT(pttl("app:both"), 18'000);  // re-armed to the window

    server.raw_command({"PEXPIRE", "app:both", "3000"});
    ASSERT_TRUE(cache->refresh("both"));
    EXPECT_GT(pttl("app:both"), 18'000);

    ASSERT_TRUE(cache->set("forever", "v"));
    EXPECT_EQ(pttl("app:forever"), -1);
    ASSERT_TRUE(cache->set("forever", "v", entry_options::expires_in(500ms)));
    EXPECT_LE(pttl("app:forever"), 500);  // sub-second TTLs keep their milliseconds
    EXPECT_GT(pttl("app:forever"), 0);
    ASSERT_TRUE(cache->set("forever", "again"));
    EXPECT_EQ(pttl("app:forever"), -1);  // PERSIST, as with the script

    ASSERT_TRUE(cache->remove("both"));
    EXPECT_FALSE(cache->get("both")->has_value());
    EXPECT_EQ(unknown_commands(), 1);  // the script was tried once, by the first set
}

TEST_F(RedisCacheWithoutScripts, AnExpiredSlidingEntryIsAMissAndIsDeleted) {
    // Written the .NET way with an absolute expiration already past, but a
    // TTL still running: the re-arm rule deletes it, as the script does.
    const auto past = to_dotnet_ticks(std::chrono::system_clock::now() - 1s);
    server.raw_command({"HSET", "app:late", "absexp", std::to_string(past), "sldexp",
                        std::to_string(ticks(20s).count()), "data", "late"});
    server.raw_command({"EXPIRE", "app:late", "30"});
    const auto got = cache->get("late");
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->has_value());
    EXPECT_EQ(pttl("app:late"), -2);
}

TEST_F(RedisCacheWithoutScripts, TheAsynchronousFormsFallBackToo) {
    std::promise<result<void>> set_done;
    cache->async_set("async", "value", entry_options::sliding(30s),
                     [&](result<void> r) { set_done.set_value(std::move(r)); });
    ASSERT_TRUE(set_done.get_future().get());
    EXPECT_EQ(raw_line({"HGET", "app:async", "data"}), "value");
    EXPECT_LE(pttl("app:async"), 30'000);
    EXPECT_GT(pttl("app:async"), 25'000);

    server.raw_command({"PEXPIRE", "app:async", "3000"});
    std::promise<distributed_cache::get_result> get_done;
    cache->async_get("async",
                     [&](distributed_cache::get_result r) { get_done.set_value(std::move(r)); });
    const auto got = get_done.get_future().get();
    ASSERT_TRUE(got && got->has_value());
    EXPECT_EQ(**got, "value");
    EXPECT_GT(pttl("app:async"), 25'000);

    server.raw_command({"PEXPIRE", "app:async", "3000"});
    std::promise<result<void>> refresh_done;
    cache->async_refresh("async", [&](result<void> r) { refresh_done.set_value(std::move(r)); });
    ASSERT_TRUE(refresh_done.get_future().get());
    EXPECT_GT(pttl("app:async"), 25'000);
    EXPECT_EQ(unknown_commands(), 1);
}

}  // namespace
}  // namespace respcache::cache
