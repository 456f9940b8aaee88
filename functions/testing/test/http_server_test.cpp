// The test server's own contract: requests recorded as sent, the hook in front of the handler,
// and each connection fault as a raw client sees it.
#include "dn/testing/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>

namespace dn::testing {
namespace {

// A raw loopback client: exactly the bytes the server sends, and how the connection ended.
class RawClient {
 public:
  explicit RawClient(const HttpServer& server) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto endpoint = server.endpoint();
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(endpoint.substr(10))));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  RawClient(RawClient&&) = delete;
  RawClient& operator=(RawClient&&) = delete;

  void send(std::string_view data) const {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }

  // Reads until `bytes` have arrived, the peer closes or resets, or `timeout` passes.
  struct Read {
    std::string data;
    bool closed = false;
    bool reset = false;
  };
  [[nodiscard]] Read read(std::size_t bytes, std::chrono::milliseconds timeout) const {
    return read_until(bytes, {}, timeout);
  }
  // Reads until `marker` has arrived (or as read() does).
  [[nodiscard]] Read read_until(std::size_t bytes, std::string_view marker,
                                std::chrono::milliseconds timeout) const {
    Read out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.data.size() < bytes &&
           (marker.empty() || out.data.find(marker) == std::string::npos)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      std::array<char, 4096> chunk{};
      const auto got = ::recv(fd_, chunk.data(), chunk.size(), 0);
      if (got == 0) {
        out.closed = true;
        break;
      }
      if (got < 0) {
        out.reset = errno == ECONNRESET;
        out.closed = true;
        break;
      }
      out.data.append(chunk.data(), static_cast<std::size_t>(got));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

constexpr std::string_view kPost =
    "POST /orders?x=1%202 HTTP/1.1\r\nHost: t\r\nX-Mixed-Case: v\r\nContent-Length: 5\r\n\r\nhello";
constexpr auto kWait = std::chrono::milliseconds(5000);

HttpResponse body_of(std::size_t size) {
  return {.status = 200, .body = std::string(size, 'b')};
}

// A 1000-byte body whose sending `fault` cuts after its first 10 bytes.
HttpResponse cut_after_10_bytes(Fault fault) {
  auto response = body_of(1000);
  response.fault = fault;
  response.fault_after_bytes = 10;
  return response;
}

TEST(HttpServer, RecordsRequestsAsSentAndAnswersFromTheHandler) {
  HttpServer server(script({{.status = 201, .headers = {{"X-Answer", "yes"}}, .body = "done"}}));
  RawClient client(server);
  client.send(kPost);
  const auto got = client.read_until(100000, "done", kWait);
  EXPECT_NE(got.data.find("HTTP/1.1 201"), std::string::npos) << got.data;
  EXPECT_NE(got.data.find("X-Answer: yes"), std::string::npos);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/orders?x=1%202");
  EXPECT_EQ(requests[0].path, "/orders");
  EXPECT_EQ(requests[0].header("x-mixed-case"), "v");
  EXPECT_EQ(requests[0].header("remote_addr"), "");  // no pseudo-headers
  EXPECT_EQ(requests[0].body, "hello");
  EXPECT_EQ(requests[0].connection, 1U);
  EXPECT_EQ(requests[0].sequence, 1U);
}

TEST(HttpServer, KeepsOneConnectionForManyRequests) {
  HttpServer server(script({{.status = 200, .body = "ok"}}));
  RawClient client(server);
  for (int i = 0; i < 8; ++i) {
    client.send(kPost);
    ASSERT_TRUE(server.wait_for_requests(static_cast<std::size_t>(i) + 1, kWait));
  }
  EXPECT_EQ(server.connections_accepted(), 1U);
}

TEST(HttpServer, HookCanApplyTheRequestAndLoseTheAnswer) {
  std::atomic<int> applied{0};
  HttpServer server([&](const HttpRequest&) {
    ++applied;
    return HttpResponse{.status = 200, .body = "applied"};
  });
  server.set_hook([](const HttpRequest& request, const Handler& next) {
    auto response = next(request);
    response.fault = Fault::drop;
    return response;
  });
  RawClient client(server);
  client.send(kPost);
  const auto got = client.read(1, kWait);
  EXPECT_TRUE(got.closed);
  EXPECT_FALSE(got.reset);
  EXPECT_EQ(got.data, "");
  EXPECT_EQ(applied.load(), 1);
  EXPECT_EQ(server.requests().size(), 1U);
}

TEST(HttpServer, HookCanAnswerInsteadOfTheHandler) {
  std::atomic<int> applied{0};
  HttpServer server([&](const HttpRequest&) {
    ++applied;
    return HttpResponse{};
  });
  server.set_hook([](const HttpRequest&, const Handler&) {
    return HttpResponse{.status = 429, .body = "slow down"};
  });
  RawClient client(server);
  client.send(kPost);
  const auto got = client.read_until(100000, "slow down", kWait);
  EXPECT_NE(got.data.find("HTTP/1.1 429"), std::string::npos) << got.data;
  EXPECT_EQ(applied.load(), 0);
  server.set_hook(nullptr);  // and without a hook the handler answers again
  client.send(kPost);
  const auto again = client.read_until(100000, "HTTP/1.1 200", kWait);
  EXPECT_NE(again.data.find("HTTP/1.1 200"), std::string::npos) << again.data;
  EXPECT_EQ(applied.load(), 1);
}

TEST(HttpServer, ResetSendsNothingAndResetsTheConnection) {
  HttpServer server(script({{.status = 200, .body = "x", .fault = Fault::reset}}));
  RawClient client(server);
  client.send(kPost);
  const auto got = client.read(1, kWait);
  EXPECT_TRUE(got.reset);
  EXPECT_EQ(got.data, "");
}

TEST(HttpServer, TruncateSendsTheHeadAndPartOfTheBodyThenCloses) {
  HttpServer server(script({cut_after_10_bytes(Fault::truncate)}));
  RawClient client(server);
  client.send(kPost);
  const auto got = client.read(100000, kWait);
  EXPECT_TRUE(got.closed);
  const auto head_end = got.data.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << got.data;
  EXPECT_NE(got.data.find("Content-Length: 1000"), std::string::npos);
  EXPECT_EQ(got.data.substr(head_end + 4), std::string(10, 'b'));
}

TEST(HttpServer, StallSendsPartOfTheBodyThenHoldsTheConnection) {
  HttpServer server(script({cut_after_10_bytes(Fault::stall)}));
  RawClient client(server);
  client.send(kPost);
  auto got = client.read(1, kWait);
  const auto head_end = got.data.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  // Whatever arrives within the wait is the 10 bytes; the connection stays open past it.
  const auto rest = client.read(1000, std::chrono::milliseconds(300));
  got.data += rest.data;
  EXPECT_FALSE(rest.closed);
  EXPECT_EQ(got.data.substr(head_end + 4), std::string(10, 'b'));
}

TEST(HttpServer, DelayHoldsTheAnswerBack) {
  HttpServer server(
      script({{.status = 200, .body = "late", .delay = std::chrono::milliseconds(200)}}));
  RawClient client(server);
  const auto start = std::chrono::steady_clock::now();
  client.send(kPost);
  const auto got = client.read(1, kWait);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_NE(got.data.find("HTTP/1.1 200"), std::string::npos);
}

TEST(HttpServer, PaceSendsTheBodyInPiecesApart) {
  auto response = body_of(400);
  response.pace = std::chrono::milliseconds(50);
  response.pace_bytes = 100;
  HttpServer server(script({response}));
  RawClient client(server);
  const auto start = std::chrono::steady_clock::now();
  client.send(kPost);
  const auto got = client.read_until(100000, std::string(400, 'b'), kWait);
  // Four pieces, three waits between them.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
  EXPECT_NE(got.data.find("Content-Length: 400"), std::string::npos);
  EXPECT_EQ(got.data.substr(got.data.find("\r\n\r\n") + 4), std::string(400, 'b'));
}

TEST(HttpServer, StopEndsStallsDelaysAndIdleConnections) {
  auto stall = body_of(100);
  stall.fault = Fault::stall;
  HttpServer server([&](const HttpRequest& request) {
    if (request.path == "/stall") return stall;
    return HttpResponse{.delay = std::chrono::hours(1)};
  });
  RawClient idle(server);
  RawClient stalled(server);
  RawClient delayed(server);
  stalled.send("GET /stall HTTP/1.1\r\nHost: t\r\n\r\n");
  delayed.send("GET /delay HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(server.wait_for_requests(2, kWait));
  const auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kWait);
  EXPECT_TRUE(delayed.read(1, kWait).closed);
  EXPECT_TRUE(idle.read(1, kWait).closed);
}

}  // namespace
}  // namespace dn::testing
