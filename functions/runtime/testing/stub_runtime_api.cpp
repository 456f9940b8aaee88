#include "dn/runtime/testing/stub_runtime_api.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace dn::runtime::testing {
namespace {

constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kNextPath = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInitErrorPath = "/2018-06-01/runtime/init/error";
constexpr std::int64_t kDefaultDeadlineMs = 30000;
constexpr int kHttpAccepted = 202;

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case kHttpAccepted:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 413:
      return "Payload Too Large";
    default:
      return "Status";
  }
}

std::string http_response(int status,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

struct HttpRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;
  std::string body;
};

// Takes one complete request off the front of `buffer`; nullopt while it is still incomplete.
std::optional<HttpRequest> take_request(std::string& buffer) {
  const auto head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return std::nullopt;
  }
  HttpRequest request;
  std::string_view head(buffer.data(), head_end);
  const auto line_end = head.find("\r\n");
  const std::string_view request_line = head.substr(0, line_end);
  const auto first_space = request_line.find(' ');
  const auto second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos || second_space == std::string_view::npos) {
    throw std::runtime_error("malformed request line");
  }
  request.method = std::string(request_line.substr(0, first_space));
  request.target =
      std::string(request_line.substr(first_space + 1, second_space - first_space - 1));
  std::size_t content_length = 0;
  if (line_end != std::string_view::npos) {
    std::string_view rest = head.substr(line_end + 2);
    while (!rest.empty()) {
      const auto end = rest.find("\r\n");
      const std::string_view line = rest.substr(0, end);
      if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        request.headers[lower(trim(line.substr(0, colon)))] =
            std::string(trim(line.substr(colon + 1)));
      }
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    }
  }
  if (auto it = request.headers.find("content-length"); it != request.headers.end()) {
    const auto& text = it->second;
    if (std::from_chars(text.data(), text.data() + text.size(), content_length).ec != std::errc()) {
      throw std::runtime_error("bad content-length");
    }
  }
  const auto total = head_end + 4 + content_length;
  if (buffer.size() < total) {
    return std::nullopt;
  }
  request.body = buffer.substr(head_end + 4, content_length);
  buffer.erase(0, total);
  return request;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::int64_t now_epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Invocation invocation(std::string request_id, std::string payload) {
  Invocation result;
  result.request_id = std::move(request_id);
  result.payload = std::move(payload);
  return result;
}

Invocation failing_next(int status) {
  Invocation result;
  result.status = status;
  return result;
}

struct StubRuntimeApi::State {
  struct Connection {
    int fd = -1;
    std::size_t id = 0;
    std::string buffer;
    bool waiting_next = false;
  };

  int listen_fd = -1;
  int wake_fd = -1;
  std::uint16_t port = 0;
  std::thread thread;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::deque<Invocation> queue;
  std::vector<Post> posts;
  std::size_t accepted = 0;
  std::vector<std::chrono::steady_clock::time_point> next_arrivals;
  int response_status = kHttpAccepted;
  bool stopping = false;

  std::vector<Connection> connections;  // touched by the server thread only

  void wake() const {
    const std::uint64_t one = 1;
    (void)::write(wake_fd, &one, sizeof one);
  }

  void serve() {
    while (true) {
      std::vector<pollfd> fds;
      fds.push_back({listen_fd, POLLIN, 0});
      fds.push_back({wake_fd, POLLIN, 0});
      for (const auto& connection : connections) {
        fds.push_back({connection.fd, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        return;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        std::uint64_t count = 0;
        (void)::read(wake_fd, &count, sizeof count);
        const std::lock_guard lock(mutex);
        if (stopping) {
          return;
        }
      }
      // Read from the connections that were polled before accepting new ones (indices match).
      for (std::size_t i = 0; i < connections.size(); ++i) {
        if ((fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
          read_from(connections[i]);
        }
      }
      if ((fds[0].revents & POLLIN) != 0) {
        accept_one();
      }
      for (auto& connection : connections) {
        process(connection);
      }
      std::erase_if(connections, [](const Connection& c) { return c.fd < 0; });
    }
  }

  void accept_one() {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      return;
    }
    const int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::size_t id = 0;
    {
      const std::lock_guard lock(mutex);
      id = ++accepted;
    }
    changed.notify_all();
    connections.push_back({fd, id, {}, false});
  }

  static void close_connection(Connection& connection) {
    if (connection.fd >= 0) {
      ::close(connection.fd);
      connection.fd = -1;
    }
  }

  static void read_from(Connection& connection) {
    std::array<char, 65536> chunk{};
    const auto got = ::recv(connection.fd, chunk.data(), chunk.size(), 0);
    if (got <= 0) {
      close_connection(connection);
      return;
    }
    connection.buffer.append(chunk.data(), static_cast<std::size_t>(got));
  }

  // Answers every complete request of the connection, stopping at a `next` that must wait.
  void process(Connection& connection) {
    while (connection.fd >= 0) {
      if (connection.waiting_next) {
        if (!answer_next(connection)) {
          return;
        }
        continue;
      }
      std::optional<HttpRequest> request;
      try {
        request = take_request(connection.buffer);
      } catch (const std::exception&) {
        (void)send_all(connection.fd, http_response(400, {}, "malformed request"));
        close_connection(connection);
        return;
      }
      if (!request) {
        return;
      }
      handle(connection, *request);
    }
  }

  void handle(Connection& connection, const HttpRequest& request) {
    if (request.method == "GET" && request.target == kNextPath) {
      {
        const std::lock_guard lock(mutex);
        next_arrivals.push_back(std::chrono::steady_clock::now());
      }
      changed.notify_all();
      connection.waiting_next = true;
      return;
    }
    Post post;
    post.method = request.method;
    post.path = request.target;
    post.headers = request.headers;
    post.body = request.body;
    post.connection = connection.id;
    const std::string_view target = request.target;
    if (target == kInitErrorPath) {
      post.kind = Post::Kind::init_error;
    } else if (target.starts_with(kInvocationPrefix)) {
      auto rest = target.substr(kInvocationPrefix.size());
      const auto slash = rest.find('/');
      if (slash != std::string_view::npos) {
        const auto action = rest.substr(slash + 1);
        post.request_id = std::string(rest.substr(0, slash));
        if (action == "response") {
          post.kind = Post::Kind::response;
        } else if (action == "error") {
          post.kind = Post::Kind::error;
        }
      }
    }
    int status = kHttpAccepted;
    {
      const std::lock_guard lock(mutex);
      if (post.kind == Post::Kind::response) {
        status = response_status;
      } else if (post.kind == Post::Kind::other || request.method != "POST") {
        status = 404;
      }
      posts.push_back(std::move(post));
    }
    changed.notify_all();
    const std::string body =
        status == kHttpAccepted ? R"({"status":"OK"})"
                                : R"({"errorMessage":"stub rejected","errorType":"Stub.Rejected"})";
    if (!send_all(connection.fd,
                  http_response(status, {{"Content-Type", "application/json"}}, body))) {
      close_connection(connection);
    }
  }

  // Serves the next scripted invocation to a waiting `next`; false when the script is empty.
  bool answer_next(Connection& connection) {
    Invocation invocation;
    {
      const std::lock_guard lock(mutex);
      if (queue.empty()) {
        return false;
      }
      invocation = std::move(queue.front());
      queue.pop_front();
    }
    connection.waiting_next = false;
    std::string response;
    if (invocation.status) {
      response = http_response(*invocation.status, {{"Content-Type", "application/json"}},
                               invocation.error_body);
    } else {
      std::vector<std::pair<std::string, std::string>> headers = {
          {"Content-Type", "application/json"},
          {"Lambda-Runtime-Aws-Request-Id", invocation.request_id},
          {"Lambda-Runtime-Deadline-Ms",
           std::to_string(invocation.deadline_ms != 0 ? invocation.deadline_ms
                                                      : now_epoch_ms() + kDefaultDeadlineMs)},
          {"Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn}};
      if (!invocation.trace_id.empty()) {
        headers.emplace_back("Lambda-Runtime-Trace-Id", invocation.trace_id);
      }
      if (!invocation.client_context.empty()) {
        headers.emplace_back("Lambda-Runtime-Client-Context", invocation.client_context);
      }
      if (!invocation.cognito_identity.empty()) {
        headers.emplace_back("Lambda-Runtime-Cognito-Identity", invocation.cognito_identity);
      }
      response = http_response(200, headers, invocation.payload);
    }
    if (!send_all(connection.fd, response)) {
      close_connection(connection);
    }
    return true;
  }
};

StubRuntimeApi::StubRuntimeApi() : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s.listen_fd < 0) {
    throw std::system_error(errno, std::system_category(), "stub runtime api: socket");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // ephemeral
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if (::bind(s.listen_fd, generic, sizeof address) != 0 || ::listen(s.listen_fd, 64) != 0 ||
      ::getsockname(s.listen_fd, generic, &length) != 0) {
    const int error = errno;
    ::close(s.listen_fd);
    throw std::system_error(error, std::system_category(), "stub runtime api: listen");
  }
  s.port = ntohs(address.sin_port);
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC);
  if (s.wake_fd < 0) {
    ::close(s.listen_fd);
    throw std::system_error(errno, std::system_category(), "stub runtime api: eventfd");
  }
  s.thread = std::thread([&s] { s.serve(); });
}

StubRuntimeApi::~StubRuntimeApi() {
  auto& s = *state_;
  {
    const std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake();
  s.thread.join();
  for (auto& connection : s.connections) {
    State::close_connection(connection);
  }
  ::close(s.wake_fd);
  ::close(s.listen_fd);
}

std::string StubRuntimeApi::endpoint() const {
  return "127.0.0.1:" + std::to_string(state_->port);
}

void StubRuntimeApi::enqueue(Invocation invocation) {
  {
    const std::lock_guard lock(state_->mutex);
    state_->queue.push_back(std::move(invocation));
  }
  state_->wake();
}

void StubRuntimeApi::set_response_status(int status) {
  const std::lock_guard lock(state_->mutex);
  state_->response_status = status;
}

std::vector<Post> StubRuntimeApi::posts() const {
  const std::lock_guard lock(state_->mutex);
  return state_->posts;
}

std::size_t StubRuntimeApi::connections_accepted() const {
  const std::lock_guard lock(state_->mutex);
  return state_->accepted;
}

std::size_t StubRuntimeApi::next_requests() const {
  const std::lock_guard lock(state_->mutex);
  return state_->next_arrivals.size();
}

std::vector<std::chrono::steady_clock::time_point> StubRuntimeApi::next_arrivals() const {
  const std::lock_guard lock(state_->mutex);
  return state_->next_arrivals;
}

bool StubRuntimeApi::wait_for_posts(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->posts.size() >= count; });
}

bool StubRuntimeApi::wait_for_next_requests(std::size_t count,
                                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout,
                                  [&] { return state_->next_arrivals.size() >= count; });
}

}  // namespace dn::runtime::testing
