// Long transfers are bounded by progress and the deadline, never by the request timeout: a
// cpp-httplib server on the loopback streams a body slowly (but steadily), or stalls mid-body.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "dn/aws/client.hpp"
#include "fakes.hpp"

namespace dn::aws {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kPiece = 4096;
constexpr std::size_t kPieces = 60;
constexpr std::size_t kFirst = 512;  // what /stall sends before it stops

// Serves GET /slow: kPieces pieces, `pace` apart (the slow link under test), and GET /stall:
// one piece, then nothing until the server is destroyed.
class SlowServer {
 public:
  explicit SlowServer(milliseconds pace) : pace_(pace) {
    server_.Get("/b/slow", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(kPiece * kPieces, "text/csv",
                               [this](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset > 0) std::this_thread::sleep_for(pace_);
                                 const std::string piece(kPiece, 'x');
                                 return sink.write(piece.data(), piece.size());
                               });
    });
    server_.Get("/b/stall", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(kPiece * kPieces, "text/csv",
                               [this](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset > 0) {
                                   std::unique_lock<std::mutex> lock(mutex_);
                                   released_.wait(lock, [this] { return release_; });
                                   return false;
                                 }
                                 // A little data first: moving, then stalled.
                                 const std::string piece(kFirst, 'x');
                                 return sink.write(piece.data(), piece.size());
                               });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~SlowServer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      release_ = true;
    }
    released_.notify_all();
    server_.stop();
    thread_.join();
  }
  SlowServer(const SlowServer&) = delete;
  SlowServer& operator=(const SlowServer&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  milliseconds pace_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable released_;
  bool release_ = false;
};

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
  SlowServer server(milliseconds(20));  // ~1.2 s in all, at ~200 KiB/s
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
  SlowServer server(milliseconds(0));
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
  SlowServer server(milliseconds(20));
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
  SlowServer server(milliseconds(20));
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
