#include "http_stub.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

namespace dn::aws::testing {
namespace {

struct Connection {
  int fd = -1;
  std::string buffer;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Parses one complete request off the front of `buffer`; false when more bytes are needed.
bool take_request(std::string& buffer, StubRequest& out) {
  const auto head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::string head = buffer.substr(0, head_end);
  StubRequest request;
  std::size_t pos = head.find("\r\n");
  const std::string start_line = head.substr(0, pos);
  const auto sp1 = start_line.find(' ');
  const auto sp2 = start_line.rfind(' ');
  request.method = start_line.substr(0, sp1);
  request.target = start_line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (pos != std::string::npos && pos < head.size()) {
    const std::size_t line_start = pos + 2;
    const std::size_t line_end = head.find("\r\n", line_start);
    const std::string line = head.substr(
        line_start, line_end == std::string::npos ? std::string::npos : line_end - line_start);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers[lower(line.substr(0, colon))] = value;
    }
    pos = line_end;
  }
  std::size_t length = 0;
  if (const auto it = request.headers.find("content-length"); it != request.headers.end()) {
    length = std::stoul(it->second);
  }
  if (buffer.size() < head_end + 4 + length) return false;
  request.body = buffer.substr(head_end + 4, length);
  buffer.erase(0, head_end + 4 + length);
  out = std::move(request);
  return true;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

StubServer::StubServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error("stub server: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

StubServer::~StubServer() {
  const char stop = 'x';
  (void)!::write(wake_pipe_[1], &stop, 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_pipe_[0]);
  ::close(wake_pipe_[1]);
}

std::string StubServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<StubRequest> StubServer::requests() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void StubServer::loop() {
  std::vector<Connection> connections;
  while (true) {
    std::vector<pollfd> fds{{wake_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& c : connections) fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if ((fds[0].revents & POLLIN) != 0) break;
    if ((fds[1].revents & POLLIN) != 0) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        connections.push_back({fd, {}});
        ++accepted_;
      }
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      auto it = std::find_if(connections.begin(), connections.end(),
                             [&](const Connection& c) { return c.fd == fds[i].fd; });
      char chunk[65536];
      const ssize_t n = ::recv(it->fd, chunk, sizeof(chunk), 0);
      bool close_it = n <= 0;
      if (n > 0) it->buffer.append(chunk, static_cast<std::size_t>(n));
      StubRequest request;
      while (!close_it && take_request(it->buffer, request)) {
        {
          const std::lock_guard<std::mutex> lock(mutex_);
          requests_.push_back(request);
        }
        const StubResponse response = handler_(request);
        if (response.drop_connection) {
          close_it = true;
          break;
        }
        std::string out = "HTTP/1.1 " + std::to_string(response.status) + " Stub\r\n";
        for (const auto& [name, value] : response.headers)
          out.append(name).append(": ").append(value).append("\r\n");
        out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
        out += response.body;
        if (!send_all(it->fd, out)) close_it = true;
      }
      if (close_it) {
        ::close(it->fd);
        connections.erase(it);
      }
    }
  }
  for (const auto& c : connections) ::close(c.fd);
}

StubServer::Handler script(std::vector<StubResponse> responses) {
  auto state =
      std::make_shared<std::pair<std::vector<StubResponse>, std::size_t>>(std::move(responses), 0);
  auto mutex = std::make_shared<std::mutex>();
  return [state, mutex](const StubRequest&) {
    const std::lock_guard<std::mutex> lock(*mutex);
    auto& [list, next] = *state;
    const StubResponse& response = list[std::min(next, list.size() - 1)];
    ++next;
    return response;
  };
}

StubResponse json_response(int status, const std::string& body) {
  return StubResponse{status, {{"Content-Type", "application/x-amz-json-1.0"}}, body, false};
}

std::map<std::string, std::string> stub_aws_env(const std::string& endpoint) {
  return {{"AWS_REGION", "eu-west-2"},
          {"AWS_ACCESS_KEY_ID", kStubAccessKeyId},
          {"AWS_SECRET_ACCESS_KEY", "not-a-secret"},
          {"AWS_ENDPOINT_URL", endpoint}};
}

std::vector<std::string> unsigned_requests(const StubServer& server) {
  const std::string prefix = std::string("AWS4-HMAC-SHA256 Credential=") + kStubAccessKeyId + "/";
  std::vector<std::string> out;
  for (const auto& r : server.requests()) {
    if (r.header("authorization").rfind(prefix, 0) != 0) out.push_back(r.method + " " + r.target);
  }
  return out;
}

}  // namespace dn::aws::testing
