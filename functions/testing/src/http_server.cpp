#include "dn/testing/http_server.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "dn/util/text.hpp"

namespace dn::testing {
namespace {

constexpr int kListenBacklog = 128;
constexpr std::size_t kReadChunk = 65536;
constexpr std::string_view kHeadEnd = "\r\n\r\n";

using util::lower;

// One thread per connection: a handler that blocks (a Runtime API `next` waiting for work) never
// holds up another connection, as cpp-httplib's fixed pool would.
class ThreadPerConnection : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override {
    const std::lock_guard lock(mutex_);
    threads_.emplace_back(std::move(fn));
  }
  void shutdown() override {
    std::vector<std::thread> threads;
    {
      const std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

// Waits until `fd` has one of `events` or the server stops (stop_fd readable) or `timeout_ms`
// passes (-1: no limit). Returns the fd's revents, 0 when stopped or timed out.
short wait_for(int fd, short events, int stop_fd, int timeout_ms) {
  while (true) {
    std::array<pollfd, 2> fds{{{stop_fd, POLLIN, 0}, {fd, events, 0}}};
    const int ready = ::poll(fds.data(), fd < 0 ? 1 : 2, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (fds[0].revents & POLLIN) != 0) return 0;
    return fds[1].revents;
  }
}

// A socket as cpp-httplib's Stream, carrying out the fault the handler asked for: writes are
// swallowed (drop, reset) or cut after a byte budget of the body (stall, truncate).
class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(int fd, int stop_fd) : fd_(fd), stop_fd_(stop_fd) {}

  // Called by the handler: the plan for the response it is about to write.
  void plan(const HttpResponse& response) {
    fault_ = response.fault;
    budget_ =
        fault_ == Fault::stall || fault_ == Fault::truncate ? response.fault_after_bytes : SIZE_MAX;
    pace_ = response.pace;
    pace_bytes_ = std::max<std::size_t>(response.pace_bytes, 1);
    body_sent_ = 0;
    head_sent_ = false;
    head_tail_.clear();
  }
  [[nodiscard]] Fault fault() const { return fault_; }

  // Blocks until a request can be read (or the peer closed); false once the server stops.
  bool wait_request() const {
    return offset_ < buffer_.size() || wait_for(fd_, POLLIN, stop_fd_, -1) != 0;
  }

  bool is_readable() const override { return wait_request(); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, stop_fd_, -1) != 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (offset_ == buffer_.size()) {
      if (wait_for(fd_, POLLIN, stop_fd_, -1) == 0) return -1;
      buffer_.resize(kReadChunk);
      ssize_t got = 0;
      do {
        got = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
      } while (got < 0 && errno == EINTR);
      buffer_.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
      offset_ = 0;
      if (got <= 0) return got;
    }
    const auto n = std::min(size, buffer_.size() - offset_);
    std::memcpy(ptr, buffer_.data() + offset_, n);
    offset_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    std::string_view data(ptr, size);
    if (fault_ == Fault::drop || fault_ == Fault::reset) return -1;
    if (fault_ == Fault::none && pace_.count() == 0) {
      return send_all(data) ? static_cast<ssize_t>(size) : -1;
    }
    if (!head_sent_) {
      // The head ends at the first blank line, which may straddle two writes.
      const std::string seen = head_tail_ + std::string(data);
      const auto end = seen.find(kHeadEnd);
      if (end == std::string::npos) {
        head_tail_ = seen.substr(seen.size() - std::min(seen.size(), kHeadEnd.size() - 1));
        return send_all(data) ? static_cast<ssize_t>(size) : -1;
      }
      const auto head_bytes = end + kHeadEnd.size() - (seen.size() - data.size());
      if (!send_all(data.substr(0, head_bytes))) return -1;
      data.remove_prefix(head_bytes);
      head_sent_ = true;
    }
    const auto part = std::min(budget_, data.size());
    if (!send_body(data.substr(0, part))) return -1;
    budget_ -= part;
    if (part == data.size()) return static_cast<ssize_t>(size);
    // Over budget: a stall holds the connection open until the client gives up.
    if (fault_ == Fault::stall) (void)wait_for(fd_, POLLRDHUP, stop_fd_, -1);
    return -1;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address(::getsockname, ip, port);
  }
  [[nodiscard]] socket_t socket() const override { return fd_; }

 private:
  // Body bytes, paced when asked: a piece, then a wait (which the server's stop ends).
  bool send_body(std::string_view data) {
    if (pace_.count() == 0) return send_all(data);
    while (!data.empty()) {
      if (body_sent_ > 0) {
        (void)wait_for(-1, 0, stop_fd_, static_cast<int>(pace_.count()));
        if (stopping()) return false;
      }
      const auto piece = data.substr(0, pace_bytes_);
      if (!send_all(piece)) return false;
      body_sent_ += piece.size();
      data.remove_prefix(piece.size());
    }
    return true;
  }

  [[nodiscard]] bool stopping() const {
    pollfd p{stop_fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  bool send_all(std::string_view data) const {
    while (!data.empty()) {
      const auto sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        // SO_SNDTIMEO (set by cpp-httplib) ran out while the client was not reading: keep waiting.
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(fd_, POLLOUT, stop_fd_, -1) != 0)
          continue;
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  template <typename Fn>
  void address(Fn fn, std::string& ip, int& port) const {
    sockaddr_in addr{};
    socklen_t length = sizeof addr;
    std::array<char, INET_ADDRSTRLEN> text{};
    if (fn(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0 &&
        ::inet_ntop(AF_INET, &addr.sin_addr, text.data(), text.size()) != nullptr) {
      ip = text.data();
      port = ntohs(addr.sin_port);
    }
  }

  int fd_;
  int stop_fd_;
  std::string buffer_;
  std::size_t offset_ = 0;
  Fault fault_ = Fault::none;
  std::size_t budget_ = 0;
  std::chrono::milliseconds pace_{0};
  std::size_t pace_bytes_ = 1;
  std::size_t body_sent_ = 0;
  bool head_sent_ = false;
  std::string head_tail_;
};

struct Connection {
  std::size_t id = 0;
  ConnectionStream* stream = nullptr;
};

// The connection the calling thread serves (one thread per connection), for the route handler.
thread_local Connection* current_connection = nullptr;

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpServer::Impl {
  // cpp-httplib parses requests and writes responses; the connection loop is ours, so that a
  // connection lives as long as the client keeps it, and every wait ends when the server stops.
  class Server : public httplib::Server {
   public:
    explicit Server(Impl& impl) : impl_(impl) {}
    using httplib::Server::svr_sock_;

   private:
    bool process_and_close_socket(socket_t sock) override {
      const int one = 1;
      (void)::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ConnectionStream stream(sock, impl_.stop_fd);
      Connection connection{impl_.accept(), &stream};
      current_connection = &connection;
      // A Range header is the handler's to answer (an S3 fake), not cpp-httplib's to apply.
      const std::function<void(httplib::Request&)> keep_body = [](httplib::Request& r) {
        r.ranges.clear();
      };
      while (stream.wait_request()) {
        bool closed = false;
        if (!process_request(stream, false, closed, keep_body) || closed) break;
      }
      current_connection = nullptr;
      if (stream.fault() == Fault::reset) {
        const linger abort{1, 0};  // close() then sends RST instead of FIN
        (void)::setsockopt(sock, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
      }
      ::close(sock);
      return true;
    }

    Impl& impl_;
  };

  explicit Impl(Handler h) : handler(std::move(h)), server(*this) {}

  std::size_t accept() {
    const std::lock_guard lock(mutex);
    return ++accepted;
  }

  void serve(const httplib::Request& in, httplib::Response& out) {
    auto* connection = current_connection;
    if (connection == nullptr) throw std::logic_error("request outside a connection");
    connection->stream->plan(HttpResponse{});
    HttpRequest request;
    request.method = in.method;
    request.target = in.target;
    request.path = in.target.substr(0, in.target.find('?'));
    for (const auto& [name, value] : in.headers) {
      // cpp-httplib adds the socket's addresses as pseudo-headers; the client never sent them.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT") {
        continue;
      }
      request.headers[lower(name)] = value;
    }
    request.body = in.body;
    request.connection = connection->id;
    request.received = std::chrono::steady_clock::now();
    Hook current_hook;
    {
      const std::lock_guard lock(mutex);
      request.sequence = ++sequence;
      requests.push_back(request);
      current_hook = hook;
    }
    changed.notify_all();

    HttpResponse response = current_hook ? current_hook(request, handler) : handler(request);
    if (response.delay.count() > 0) {
      (void)wait_for(-1, 0, stop_fd, static_cast<int>(response.delay.count()));
      if (stopped) response.fault = Fault::drop;  // a stopping server answers nothing more
    }
    connection->stream->plan(response);
    out.status = response.status;
    for (const auto& [name, value] : response.headers) {
      // cpp-httplib writes the body's own length; a given one is kept only without a body (HEAD).
      if (!response.body.empty() && lower(name) == "content-length") continue;
      out.set_header(name, value);
    }
    out.body = std::move(response.body);
  }

  Handler handler;
  Server server;
  int stop_fd = -1;
  int port = 0;
  std::thread thread;
  std::atomic<bool> stopped{false};

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  Hook hook;
  std::vector<HttpRequest> requests;
  std::size_t accepted = 0;
  std::size_t sequence = 0;
};

HttpServer::HttpServer(Handler handler) : impl_(std::make_unique<Impl>(std::move(handler))) {
  auto& s = *impl_;
  s.stop_fd = ::eventfd(0, EFD_CLOEXEC);
  if (s.stop_fd < 0) throw std::runtime_error("test http server: eventfd failed");
  s.server.new_task_queue = [] { return new ThreadPerConnection; };
  auto route = [&s](const httplib::Request& in, httplib::Response& out) { s.serve(in, out); };
  constexpr const char* kAny = ".*";
  s.server.Get(kAny, route).Post(kAny, route).Put(kAny, route).Patch(kAny, route);
  s.server.Delete(kAny, route).Options(kAny, route);  // HEAD is served by the Get route
  s.port = s.server.bind_to_any_port("127.0.0.1");
  if (s.port <= 0) {
    ::close(s.stop_fd);
    throw std::runtime_error("test http server: cannot listen on 127.0.0.1");
  }
  // cpp-httplib listens with a backlog of 5; many clients connecting at once need more.
  (void)::listen(s.server.svr_sock_, kListenBacklog);
  s.thread = std::thread([&s] { s.server.listen_after_bind(); });
  // stop() only works once the accept loop runs; it starts at once, so this wait is short.
  while (!s.server.is_running()) std::this_thread::yield();
}

HttpServer::~HttpServer() {
  stop();
  ::close(impl_->stop_fd);
}

void HttpServer::stop() {
  auto& s = *impl_;
  if (s.stopped.exchange(true)) return;
  const std::uint64_t one = 1;
  (void)!::write(s.stop_fd, &one, sizeof one);
  s.server.stop();
  s.thread.join();  // the accept loop joins the connection threads before it returns
}

std::string HttpServer::url() const {
  return "http://" + endpoint();
}

std::string HttpServer::endpoint() const {
  return "127.0.0.1:" + std::to_string(impl_->port);
}

void HttpServer::set_hook(Hook hook) {
  const std::lock_guard lock(impl_->mutex);
  impl_->hook = std::move(hook);
}

std::vector<HttpRequest> HttpServer::requests() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::size_t HttpServer::connections_accepted() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

bool HttpServer::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->requests.size() >= count; });
}

Handler script(std::vector<HttpResponse> responses) {
  struct Script {
    std::mutex mutex;
    std::vector<HttpResponse> responses;
    std::size_t next = 0;
  };
  auto state = std::make_shared<Script>();
  state->responses = std::move(responses);
  return [state](const HttpRequest&) {
    const std::lock_guard lock(state->mutex);
    const auto& list = state->responses;
    const HttpResponse& response = list[std::min(state->next, list.size() - 1)];
    ++state->next;
    return response;
  };
}

}  // namespace dn::testing
