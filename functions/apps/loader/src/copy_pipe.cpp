#include "copy_pipe.hpp"

#include <algorithm>
#include <utility>

namespace dn::loader {

CopyPipe::CopyPipe(Writer write, std::size_t buffer_bytes, std::size_t buffers)
    : write_(std::move(write)),
      buffer_bytes_(buffer_bytes),
      storage_(std::max<std::size_t>(buffers, 2)) {
  for (auto& b : storage_) {
    b.reserve(buffer_bytes_ + std::size_t{64} * 1024);
    free_.push_back(&b);
  }
  current_ = free_.front();
  free_.pop_front();
  thread_ = std::thread([this] { run(); });
}

CopyPipe::~CopyPipe() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    full_.clear();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool CopyPipe::failed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_ != nullptr;
}

bool CopyPipe::hand_over() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (error_) return false;
  full_.push_back(current_);
  changed_.notify_all();
  changed_.wait(lock, [this] { return !free_.empty() || error_ != nullptr; });
  if (error_) return false;
  current_ = free_.front();
  free_.pop_front();
  current_->clear();
  return true;
}

void CopyPipe::finish() {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!current_->empty() && !error_) full_.push_back(current_);
    closing_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return stopped_ || error_ != nullptr; });
  }
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
}

void CopyPipe::run() {
  while (true) {
    std::string* next = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return !full_.empty() || closing_ || stopped_; });
      if (stopped_) return;
      if (full_.empty()) {  // closing and everything written
        stopped_ = true;
        changed_.notify_all();
        return;
      }
      next = full_.front();
      full_.pop_front();
    }
    try {
      write_(*next);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
      stopped_ = true;
      changed_.notify_all();
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    next->clear();
    free_.push_back(next);
    changed_.notify_all();
  }
}

}  // namespace dn::loader
