// Long transfers are bounded by progress and the deadline, never by the request timeout: the
// test server streams a body slowly (but steadily), or stalls mid-body.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "dn/aws/client.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"

namespace dn::aws {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
using testing::Fault;
using testing::StubRequest;
using testing::StubResponse;
using testing::StubServer;

constexpr std::size_t kPiece = 4096;
constexpr std::size_t kPieces = 60;
constexpr std::size_t kFirst = 512;  // what /stall sends before it stops

// GET /b/slow: kPieces pieces, `pace` apart (the slow link under test); GET /b/stall: kFirst
// bytes, then nothing until the client gives up or the server stops.
StubServer::Handler slow_server(milliseconds pace) {
  return [pace](const StubRequest& request) {
    StubResponse response{.status = 200,
                          .headers = {{"Content-Type", "text/csv"}},
                          .body = std::string(kPiece * kPieces, 'x')};
    if (request.path == "/b/stall") {
      response.fault = Fault::stall;
      response.fault_after_bytes = kFirst;
    } else {
      response.pace = pace;
      response.pace_bytes = kPiece;
    }
    return response;
  };
}

ClientOptions tiny_timeouts() {
  ClientOptions options;  // the real clock: curl measures real time
  options.retry.max_attempts = 1;
  options.request_timeout = milliseconds(200);
  options.low_speed_bytes_per_s = 1024;
  options.low_speed_time = std::chrono::seconds(1);
  return options;
}

Result<HttpResponse> stream(Client& client, const std::string& url, std::uint64_t& received) {
  HttpRequest request;
  request.service = "s3";
  request.url = url;
  request.content_sha256 = true;
  request.on_body = [&](std::string_view chunk) {
    received += chunk.size();
    return true;
  };
  return client.send(request);
}

TEST(AwsLongTransfer, ASlowButMovingTransferOutlivesTheRequestTimeout) {
  StubServer server(slow_server(milliseconds(20)));  // ~1.2 s in all, at ~200 KiB/s
  Client client(testing::test_config(server.url()), tiny_timeouts());
  std::uint64_t received = 0;
  const auto started = SteadyClock::now();
  const auto r = stream(client, server.url() + "/b/slow", received);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(received, kPiece * kPieces);
  // It did take longer than the request timeout, which bounds only short calls.
  EXPECT_GT(SteadyClock::now() - started, client.options().request_timeout);
}

TEST(AwsLongTransfer, AStalledTransferFailsAfterTheLowSpeedTime) {
  StubServer server(slow_server(milliseconds(0)));
  Client client(testing::test_config(server.url()), tiny_timeouts());
  std::uint64_t received = 0;
  const auto started = SteadyClock::now();
  const auto r = stream(client, server.url() + "/b/stall", received);
  const auto took = SteadyClock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NetworkError");
  EXPECT_NE(r.error().message.find("transfer stalled"), std::string::npos) << r.error().message;
  EXPECT_EQ(received, kFirst);
  // The low-speed time (1 s) and curl's once-a-second check, not forever.
  EXPECT_LT(took, std::chrono::seconds(4));
}

TEST(AwsLongTransfer, TheDeadlineEndsAMovingTransfer) {
  StubServer server(slow_server(milliseconds(20)));
  Client client(testing::test_config(server.url()), tiny_timeouts());
  client.set_deadline(Clock::now() + milliseconds(400));
  std::uint64_t received = 0;
  const auto r = stream(client, server.url() + "/b/slow", received);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "DeadlineExceeded");
  EXPECT_GT(received, 0U);
  EXPECT_LT(received, kPiece * kPieces);
}

TEST(AwsLongTransfer, ShortCallsKeepTheRequestTimeout) {
  StubServer server(slow_server(milliseconds(20)));
  Client client(testing::test_config(server.url()), tiny_timeouts());
  HttpRequest request;  // buffered: the fixed timeout applies
  request.service = "s3";
  request.url = server.url() + "/b/slow";
  const auto r = client.send(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NetworkError");
  EXPECT_EQ(r.error().message.find("transfer stalled"), std::string::npos);
}

}  // namespace
}  // namespace dn::aws
