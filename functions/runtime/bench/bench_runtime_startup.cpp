// Time from process start to the first `GET /next`: spawns runtime_echo (a minimal function
// linked like a Lambda artifact) against a local Runtime API stub, 50 times, and prints the
// median and p90 as `name: value` lines. Usage: bench_runtime_startup [path/to/runtime_echo]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "dn/runtime/testing/stub_runtime_api.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace {

using dn::runtime::testing::StubRuntimeApi;
using namespace std::chrono_literals;

constexpr std::size_t kRuns = 50;
constexpr auto kStartTimeout = 10s;

class Child {
 public:
  Child(const std::string& path, const std::vector<std::string>& env) {
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (const auto& entry : env) {
      envp.push_back(const_cast<char*>(entry.c_str()));  // NOLINT: posix_spawn's signature
    }
    envp.push_back(nullptr);
    std::string arg0 = path;
    std::vector<char*> argv = {arg0.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    started_ = std::chrono::steady_clock::now();
    const int error = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      pid_ = -1;
    }
  }
  ~Child() {
    if (pid_ > 0) {
      (void)kill(pid_, SIGKILL);
      int status = 0;
      (void)waitpid(pid_, &status, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&&) = delete;
  Child& operator=(Child&&) = delete;

  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] std::chrono::steady_clock::time_point started() const { return started_; }

 private:
  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point started_;
};

std::vector<std::string> child_environment(const std::string& endpoint) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (!text.starts_with("AWS_LAMBDA_RUNTIME_API=")) {
      env.emplace_back(text);
    }
  }
  env.push_back("AWS_LAMBDA_RUNTIME_API=" + endpoint);
  env.emplace_back("SERVICE_NAME=runtime-echo");
  return env;
}

std::string sibling(const std::string& name) {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? name : (self.parent_path() / name).string();
}

}  // namespace

int main(int argc, char** argv) {
  // runtime_echo is built next to this program; a path argument overrides that.
  const std::string echo = argc > 1 ? std::string(argv[1]) : sibling("runtime_echo");
  StubRuntimeApi stub;
  const auto env = child_environment(stub.endpoint());

  // Warm-up run, not measured: checks that the echo binary really serves an invocation.
  {
    auto probe = dn::runtime::testing::invocation("warm-up", R"({"probe":true})");
    stub.enqueue(probe);
    const Child child(echo, env);
    if (!child.running() || !stub.wait_for_posts(1, kStartTimeout) ||
        stub.posts().front().body != probe.payload) {
      (void)std::fprintf(stderr, "bench_runtime_startup: %s did not echo an invocation\n",
                         echo.c_str());
      return 1;
    }
  }

  std::vector<double> samples;
  samples.reserve(kRuns);
  for (std::size_t run = 0; run < kRuns; ++run) {
    const std::size_t polls_before = stub.next_requests();
    const Child child(echo, env);
    if (!child.running() || !stub.wait_for_next_requests(polls_before + 1, kStartTimeout)) {
      (void)std::fprintf(stderr, "bench_runtime_startup: no GET /next from %s\n", echo.c_str());
      return 1;
    }
    const auto arrived = stub.next_arrivals().at(polls_before);
    samples.push_back(std::chrono::duration<double, std::milli>(arrived - child.started()).count());
  }

  std::sort(samples.begin(), samples.end());
  const double median = (samples[(kRuns - 1) / 2] + samples[kRuns / 2]) / 2.0;
  const auto p90_rank = static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(kRuns)));
  std::printf("start_to_first_poll_ms: %.3f\n", median);
  std::printf("start_to_first_poll_p90_ms: %.3f\n", samples[p90_rank - 1]);
  return 0;
}
