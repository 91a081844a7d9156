#pragma once
// A growable byte buffer that keeps its storage across uses, so that encoding
// in steady state allocates nothing. Large payloads are not copied into it:
// append_shared() adds a reference to them, and the contents are then written
// as several parts (scatter/gather).

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/shared_bytes.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace braid::protocol {

class output_buffer {
public:
  output_buffer() = default;
  explicit output_buffer(std::size_t capacity) { reserve(capacity); }

  /// Returns space for `n` more bytes, valid until the next call that grows the
  /// buffer; `commit` then makes (some of) them part of the contents.
  std::uint8_t* prepare(std::size_t n) {
    if (capacity_ - size_ < n) {
      grow(n);
    }
    return data_.get() + size_;
  }
  void commit(std::size_t n) noexcept { size_ += n; }

  /// Adds `part` to the contents without copying it: it comes after what was
  /// appended before. The buffer holds a reference until clear().
  void append_shared(const shared_bytes& part) {
    shared_.push_back({size_, part});
    shared_size_ += part.size();
  }
  /// Calls `f(byte_view)` for each part of the contents, in order.
  template <class F>
  void for_each_part(F&& f) const {
    std::size_t at = 0;
    for (const auto& shared : shared_) {
      if (shared.at > at) {
        f(byte_view{data_.get() + at, shared.at - at});
      }
      f(shared.part.view());
      at = shared.at;
    }
    if (size_ > at) {
      f(byte_view{data_.get() + at, size_ - at});
    }
  }
  /// True when some contents are shared bytes: view() then holds only the
  /// copied ones.
  bool has_shared() const noexcept { return !shared_.empty(); }
  /// Every byte of the contents, copied (for tests and traces).
  bytes flatten() const;

  /// Drops the contents, keeps the storage.
  void clear() noexcept {
    size_ = 0;
    shared_.clear();
    shared_size_ = 0;
  }
  /// Drops the contents and gives the storage back: for an idle connection.
  void release() noexcept {
    clear();
    data_.reset();
    capacity_ = 0;
    shared_.shrink_to_fit();
  }
  void reserve(std::size_t capacity) {
    if (capacity > capacity_) {
      grow(capacity - size_);
    }
  }

  /// The copied bytes: the whole contents only when !has_shared(); otherwise
  /// write the parts (for_each_part). size() counts the shared parts too.
  const std::uint8_t* data() const noexcept { return data_.get(); }
  byte_view view() const noexcept { return {data_.get(), size_}; }
  /// The size of the contents, shared bytes included.
  std::size_t size() const noexcept { return size_ + shared_size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size() == 0; }

private:
  // Enough for the CONNECT and the keep-alive pings of an idle connection;
  // the buffer doubles from there as traffic needs.
  static constexpr std::size_t kFirstCapacity = 64;

  void grow(std::size_t extra);

  struct shared_part {
    std::size_t at; // offset in data_ that it follows
    shared_bytes part;
  };

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0; // copied bytes in data_
  std::size_t capacity_ = 0;
  std::vector<shared_part> shared_;
  std::size_t shared_size_ = 0;
};

} // namespace braid::protocol
