// Two threads for one load: the caller parses and validates into buffers while a second thread
// writes full buffers to COPY. A fixed number of buffers circulates, so memory stays bounded
// and a slow database slows the parser down (back-pressure) instead of piling data up.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace dn::loader {

class CopyPipe {
 public:
  using Writer = std::function<void(std::string_view)>;

  // `write` runs on the COPY thread, one full buffer at a time, in order.
  CopyPipe(Writer write, std::size_t buffer_bytes, std::size_t buffers);
  ~CopyPipe();  // stops the thread (dropping what was not written)
  CopyPipe(const CopyPipe&) = delete;
  CopyPipe& operator=(const CopyPipe&) = delete;

  // The buffer to append rows to; hand it over with flush_if_full() or finish().
  std::string& buffer() { return *current_; }
  // Hands the buffer to the COPY thread when it holds buffer_bytes or more (waits for a free
  // one when all are in flight). False once the writer has failed.
  bool flush_if_full() {
    if (current_->size() < buffer_bytes_) return !failed();
    return hand_over();
  }
  // Writes what is left and waits until everything is written; rethrows the writer's error.
  void finish();
  [[nodiscard]] bool failed();

 private:
  bool hand_over();
  void run();

  Writer write_;
  std::size_t buffer_bytes_;
  std::vector<std::string> storage_;
  std::string* current_ = nullptr;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string*> full_;
  std::deque<std::string*> free_;
  bool closing_ = false;
  bool stopped_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace dn::loader
