#pragma once
// A growable byte buffer that keeps its storage across uses, so that encoding
// in steady state allocates nothing.

#include <braid/protocol/bytes.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

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

  /// Drops the contents, keeps the storage.
  void clear() noexcept { size_ = 0; }
  void reserve(std::size_t capacity) {
    if (capacity > capacity_) {
      grow(capacity - size_);
    }
  }

  const std::uint8_t* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  byte_view view() const noexcept { return {data_.get(), size_}; }

private:
  void grow(std::size_t extra);

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

} // namespace braid::protocol
