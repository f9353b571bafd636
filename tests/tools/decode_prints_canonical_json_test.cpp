// `respcache decode`, run as a subprocess, prints one canonical JSON line
// per reply (shared/specs/decode-format.md), ends with a protocol_error line
// and exit status 1 on malformed input or an incomplete line and status 2
// when the input stops inside a reply, prints the same whatever --chunk is,
// and applies the --max-* limits.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef RESPCACHE_EXECUTABLE
#error "RESPCACHE_EXECUTABLE must name the respcache program"
#endif

extern char** environ;

namespace {

// sysexits' EX_USAGE: a command line the program cannot understand.
constexpr int exit_usage = 64;

struct run_result {
    int status = -1;  // exit status; -1 when killed by a signal
    std::string out;
    std::string err;

    std::vector<std::string> lines() const {
        std::vector<std::string> result;
        std::size_t from = 0;
        while (from < out.size()) {
            const std::size_t end = out.find('\n', from);
            if (end == std::string::npos) {
                ADD_FAILURE() << "output does not end with a newline: " << out;
                result.push_back(out.substr(from));
                break;
            }
            result.push_back(out.substr(from, end - from));
            from = end + 1;
        }
        return result;
    }
};

std::string temp_path(std::string_view what) {
    static int counter = 0;
    return ::testing::TempDir() + "respcache_decode_" + std::to_string(::getpid()) + "_" +
           std::to_string(counter++) + "." + std::string(what);
}

void write_file(const std::string& path, std::string_view bytes) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(file.good()) << path;
}

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// Runs `respcache decode <args>` with `input` on standard input.
run_result run_decode(const std::vector<std::string>& args, std::string_view input = {}) {
    const std::string in = temp_path("in");
    const std::string out = temp_path("out");
    const std::string err = temp_path("err");
    write_file(in, input);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);

    std::vector<std::string> argv_strings = {RESPCACHE_EXECUTABLE, "decode"};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    run_result result;
    pid_t pid = 0;
    const int spawned =
        posix_spawn(&pid, RESPCACHE_EXECUTABLE, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        ADD_FAILURE() << "cannot start " << RESPCACHE_EXECUTABLE;
    } else {
        int wait_status = 0;
        while (::waitpid(pid, &wait_status, 0) < 0) {
        }
        if (WIFEXITED(wait_status)) result.status = WEXITSTATUS(wait_status);
        result.out = read_file(out);
        result.err = read_file(err);
    }
    std::remove(in.c_str());
    std::remove(out.c_str());
    std::remove(err.c_str());
    return result;
}

using lines = std::vector<std::string>;

TEST(DecodePrintsCanonicalJson, OneLinePerReplyForEveryType) {
    const std::string input =
        "+OK\r\n-ERR x\r\n:42\r\n$3\r\nfoo\r\n_\r\n$-1\r\n*-1\r\n,1.5\r\n#t\r\n!3\r\nbad\r\n"
        "=15\r\ntxt:Some string\r\n(12345678901234567890123\r\n*2\r\n:1\r\n:2\r\n"
        "%1\r\n+k\r\n+v\r\n~2\r\n:1\r\n:1\r\n>3\r\n:1\r\n:2\r\n:3\r\n|1\r\n+k\r\n+v\r\n:1\r\n"
        "$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n*?\r\n:1\r\n.\r\n~?\r\n.\r\n%?\r\n+a\r\n:1\r\n.\r\n"
        ",-inf\r\n,nan\r\n";
    const run_result r = run_decode({}, input);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.lines(),
              (lines{
                  R"({"simple":"OK"})",
                  R"({"error":"ERR x"})",
                  R"({"integer":42})",
                  R"({"blob":"foo"})",
                  R"({"null":true})",
                  R"({"null":true})",
                  R"({"null":true})",
                  R"({"double":"1.5"})",
                  R"({"boolean":true})",
                  R"({"blob_error":"bad"})",
                  R"({"verbatim":"Some string","format":"txt"})",
                  R"({"bignum":"12345678901234567890123"})",
                  R"({"array":[{"integer":1},{"integer":2}]})",
                  R"({"map":[[{"simple":"k"},{"simple":"v"}]]})",
                  R"({"set":[{"integer":1},{"integer":1}]})",
                  R"({"push":[{"integer":1},{"integer":2},{"integer":3}]})",
                  R"({"attributes":[[{"simple":"k"},{"simple":"v"}]],"value":{"integer":1}})",
                  R"({"blob":"abc"})",
                  R"({"array":[{"integer":1}]})",
                  R"({"set":[]})",
                  R"({"map":[[{"simple":"a"},{"integer":1}]]})",
                  R"({"double":"-inf"})",
                  R"({"double":"nan"})",
              }));
}

TEST(DecodePrintsCanonicalJson, BinaryBytesAreEscaped) {
    const std::string input("$6\r\n\0\xff\"\\\r\n\r\n", 12);
    const run_result r = run_decode({}, input);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.lines(), lines{R"({"blob":"\u0000\u00ff\"\\\u000d\u000a"})"});
}

TEST(DecodePrintsCanonicalJson, ReadsAFileOrStandardInput) {
    const std::string input = "+from file\r\n:7\r\n";
    const std::string path = temp_path("resp");
    write_file(path, input);
    const run_result from_file = run_decode({path}, "+not this\r\n");
    const run_result from_stdin = run_decode({}, input);
    const run_result from_dash = run_decode({"-"}, input);
    std::remove(path.c_str());
    EXPECT_EQ(from_file.status, 0);
    EXPECT_EQ(from_file.lines(), (lines{R"({"simple":"from file"})", R"({"integer":7})"}));
    EXPECT_EQ(from_stdin.out, from_file.out);
    EXPECT_EQ(from_dash.out, from_file.out);
    EXPECT_EQ(from_dash.status, 0);
}

TEST(DecodePrintsCanonicalJson, EmptyInputPrintsNothing) {
    const run_result r = run_decode({}, "");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "");
}

TEST(DecodeEndings, MalformedInputEndsWithAProtocolErrorAndStatus1) {
    const run_result r = run_decode({}, "+OK\r\n:1\r\n#x\r\n+never\r\n");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.lines(), (lines{R"({"simple":"OK"})", R"({"integer":1})",
                                R"({"protocol_error":"invalid boolean","offset":10})"}));
}

TEST(DecodeEndings, ProtocolErrorsNameTheFault) {
    struct fault {
        std::string_view input;
        std::string_view line;
    };
    const fault faults[] = {
        {"?", R"({"protocol_error":"invalid type byte","offset":0})"},
        {"+OK\rX", R"({"protocol_error":"CR not followed by LF","offset":4})"},
        {":99999999999999999999\r\n",
         R"({"protocol_error":"integer out of 64-bit range","offset":19})"},
        {"$3\r\nabcd\r\n", R"({"protocol_error":"blob not terminated by CRLF","offset":7})"},
        {"*1\r\n.\r\n", R"({"protocol_error":"unexpected end marker","offset":4})"},
        {"|1\r\n+a\r\n+b\r\n|0\r\n",
         R"({"protocol_error":"attribute not followed by a value","offset":12})"},
    };
    for (const fault& f : faults) {
        const run_result r = run_decode({}, f.input);
        EXPECT_EQ(r.status, 1) << f.input;
        EXPECT_EQ(r.lines(), lines{std::string(f.line)}) << f.input;
    }
}

TEST(DecodeEndings, InputEndingInsideAReplyIsIncompleteWithStatus2) {
    struct ending {
        std::string_view input;
        lines expected;
    };
    const ending endings[] = {
        {"+OK\r\n*2\r\n:1\r\n", {R"({"simple":"OK"})", R"({"incomplete":true,"offset":5})"}},
        {"+OK\r\n+no line end", {R"({"simple":"OK"})", R"({"incomplete":true,"offset":5})"}},
        {":1\r\n:2\r\n$5\r\nab",
         {R"({"integer":1})", R"({"integer":2})", R"({"incomplete":true,"offset":8})"}},
        {"$?\r\n;1\r\na\r\n", {R"({"incomplete":true,"offset":0})"}},
        {"+a\r\n|1\r\n+k\r\n+v\r\n", {R"({"simple":"a"})", R"({"incomplete":true,"offset":4})"}},
        {"$536870912\r\nonly a few bytes", {R"({"incomplete":true,"offset":0})"}},
        {"+OK\r", {R"({"incomplete":true,"offset":0})"}},
    };
    for (const ending& e : endings) {
        const run_result r = run_decode({}, e.input);
        EXPECT_EQ(r.status, 2) << e.input;
        EXPECT_EQ(r.lines(), e.expected) << e.input;
    }
}

const std::vector<std::string>& chunk_streams() {
    static const std::vector<std::string> all = {
        "+OK\r\n$5\r\nhello\r\n*3\r\n:1\r\n$?\r\n;2\r\nab\r\n;0\r\n%?\r\n+k\r\n,2.5\r\n.\r\n"
        "|1\r\n+ttl\r\n:9\r\n>2\r\n+message\r\n$0\r\n\r\n=7\r\ntxt:abc\r\n(-77\r\n",
        "+OK\r\n*2\r\n:1\r\n$3\r\nabcX\r\n",
        "+OK\r\n~3\r\n:1\r\n:2\r\n",
        "*-1\r\n$-1\r\n_\r\n#f\r\n!1\r\nx\r\n.\r\n",
    };
    return all;
}

TEST(DecodeChunk, OutputDoesNotDependOnTheChunkSize) {
    for (const std::string& input : chunk_streams()) {
        const run_result whole = run_decode({}, input);
        ASSERT_NE(whole.status, -1);
        ASSERT_FALSE(whole.out.empty());
        for (std::size_t n = 1; n <= input.size() + 1; ++n) {
            const run_result chunked = run_decode({"--chunk", std::to_string(n)}, input);
            EXPECT_EQ(chunked.out, whole.out) << "--chunk " << n << " of " << input;
            EXPECT_EQ(chunked.status, whole.status) << "--chunk " << n << " of " << input;
        }
        const run_result zero = run_decode({"--chunk", "0"}, input);
        EXPECT_EQ(zero.out, whole.out);
        EXPECT_EQ(zero.status, whole.status);
    }
}

TEST(DecodeChunk, TheStreamsEndAsExpected) {
    const auto& s = chunk_streams();
    EXPECT_EQ(run_decode({}, s[0]).status, 0);
    EXPECT_EQ(run_decode({}, s[0]).lines().size(), 6u);
    const run_result malformed = run_decode({"--chunk", "3"}, s[1]);
    EXPECT_EQ(malformed.status, 1);
    EXPECT_EQ(malformed.lines().back(),
              R"({"protocol_error":"blob not terminated by CRLF","offset":20})");
    const run_result incomplete = run_decode({"--chunk", "1"}, s[2]);
    EXPECT_EQ(incomplete.status, 2);
    EXPECT_EQ(incomplete.lines(),
              (lines{R"({"simple":"OK"})", R"({"incomplete":true,"offset":5})"}));
    const run_result end_marker = run_decode({"--chunk", "2"}, s[3]);
    EXPECT_EQ(end_marker.status, 1);
    EXPECT_EQ(end_marker.lines().size(), 6u);
    EXPECT_EQ(end_marker.lines().back(),
              R"({"protocol_error":"unexpected end marker","offset":24})");
}

TEST(DecodeChunk, LargeRepliesInSmallChunks) {
    std::string input;
    std::string expected;
    for (std::size_t size : {70000u, 3u, 20000u}) {
        const std::string body(size, 'z');
        input += "$" + std::to_string(size) + "\r\n" + body + "\r\n";
        expected += R"({"blob":")" + body + "\"}\n";
    }
    for (std::string_view chunk : {"1", "4096", "65536"}) {
        const run_result r = run_decode({"--chunk", std::string(chunk)}, input);
        EXPECT_EQ(r.status, 0) << chunk;
        EXPECT_TRUE(r.out == expected) << "--chunk " << chunk;
    }
}

TEST(DecodeLimits, MaxDepth) {
    const std::string input = "*1\r\n*1\r\n:1\r\n";
    const run_result ok = run_decode({"--max-depth", "2"}, input);
    EXPECT_EQ(ok.status, 0);
    EXPECT_EQ(ok.lines(), lines{R"({"array":[{"array":[{"integer":1}]}]})"});
    const run_result deep = run_decode({"--max-depth", "1"}, input);
    EXPECT_EQ(deep.status, 1);
    EXPECT_EQ(deep.lines(),
              lines{R"({"protocol_error":"nesting deeper than max depth","offset":4})"});
    const run_result none = run_decode({"--max-depth", "0"}, ":1\r\n*0\r\n");
    EXPECT_EQ(none.status, 1);
    EXPECT_EQ(none.lines(),
              (lines{R"({"integer":1})",
                     R"({"protocol_error":"nesting deeper than max depth","offset":4})"}));
}

TEST(DecodeLimits, MaxBulk) {
    const run_result r = run_decode({"--max-bulk", "3"}, "$3\r\nabc\r\n$4\r\nabcd\r\n");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.lines(),
              (lines{R"({"blob":"abc"})",
                     R"({"protocol_error":"blob longer than max bulk length","offset":10})"}));
    const run_result streamed =
        run_decode({"--max-bulk", "3"},
                   "$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n$?\r\n;2\r\nab\r\n;2\r\ncd\r\n;0\r\n");
    EXPECT_EQ(streamed.status, 1);
    EXPECT_EQ(streamed.lines(),
              (lines{R"({"blob":"abc"})",
                     R"({"protocol_error":"blob longer than max bulk length","offset":36})"}));
    const run_result huge = run_decode({}, "$536870913\r\n");
    EXPECT_EQ(huge.status, 1);
    EXPECT_EQ(huge.lines(),
              lines{R"({"protocol_error":"blob longer than max bulk length","offset":1})"});
}

TEST(DecodeLimits, MaxElementsCountsMapPairsTwice) {
    const run_result ok =
        run_decode({"--max-elements", "2"}, "*2\r\n:1\r\n:2\r\n%1\r\n+k\r\n+v\r\n");
    EXPECT_EQ(ok.status, 0);
    EXPECT_EQ(ok.lines().size(), 2u);
    const run_result array = run_decode({"--max-elements", "2"}, "*3\r\n");
    EXPECT_EQ(array.status, 1);
    EXPECT_EQ(array.lines(),
              lines{R"({"protocol_error":"aggregate larger than max elements","offset":1})"});
    const run_result map = run_decode({"--max-elements", "3"}, "%2\r\n");
    EXPECT_EQ(map.status, 1);
    EXPECT_EQ(map.lines(),
              lines{R"({"protocol_error":"aggregate larger than max elements","offset":1})"});
    const run_result streamed =
        run_decode({"--max-elements", "2"}, "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n");
    EXPECT_EQ(streamed.status, 1);
    EXPECT_EQ(streamed.lines(),
              lines{R"({"protocol_error":"aggregate larger than max elements","offset":12})"});
}

TEST(DecodeLimits, CombineWithChunkInAnyOrder) {
    const std::string input = "%1\r\n+k\r\n*1\r\n$4\r\nabcd\r\n";
    const std::string expected = R"({"map":[[{"simple":"k"},{"array":[{"blob":"abcd"}]}]]})";
    const std::vector<std::vector<std::string>> orders = {
        {"--max-depth", "2", "--max-bulk", "4", "--max-elements", "2", "--chunk", "1"},
        {"--chunk", "5", "--max-elements", "2", "--max-bulk", "4", "--max-depth", "2"},
    };
    for (const auto& args : orders) {
        const run_result r = run_decode(args, input);
        EXPECT_EQ(r.status, 0);
        EXPECT_EQ(r.lines(), lines{expected});
    }
    const run_result tight = run_decode({"--chunk", "1", "--max-bulk", "3"}, input);
    EXPECT_EQ(tight.status, 1);
    EXPECT_EQ(tight.lines(),
              lines{R"({"protocol_error":"blob longer than max bulk length","offset":13})"});
}

TEST(DecodeUsage, BadCommandLinesAreRefused) {
    const std::vector<std::vector<std::string>> bad = {
        {"--chunk"},          {"--chunk", "x"},
        {"--chunk", "-1"},    {"--max-depth"},
        {"--max-bulk", "1k"}, {"--max-elements", ""},
        {"--bogus"},          {"/nonexistent/respcache/input"},
    };
    for (const auto& args : bad) {
        const run_result r = run_decode(args, "+OK\r\n");
        EXPECT_EQ(r.status, exit_usage) << ::testing::PrintToString(args);
        EXPECT_EQ(r.out, "") << ::testing::PrintToString(args);
        EXPECT_NE(r.err, "") << ::testing::PrintToString(args);
    }
}

}  // namespace
