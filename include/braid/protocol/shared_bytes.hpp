#pragma once
// Immutable bytes that are cheap to copy: the payload of a PUBLISH.
//
// Up to `inline_capacity` bytes live inside the object, so a small message is
// copied with the struct and never touches the heap. Larger payloads are one
// reference-counted buffer: every copy (the client's pending publish, the
// durable store's record, a resend, the socket write, the message given to a
// handler) shares the same bytes, and the buffer is freed with the last copy.
//
//   protocol::shared_bytes a = protocol::to_bytes("hello"); // moved in
//   auto b = a;                                              // no byte copied
//   protocol::byte_view v = b;                               // a borrowed view
//                                                  (a contiguous range of bytes)
//
// The bytes cannot be changed through any copy.

#include <braid/protocol/bytes.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>

namespace braid::protocol {

class shared_bytes {
public:
  /// Payloads of this many bytes or fewer are stored inline.
  static constexpr std::size_t inline_capacity = 64;

  shared_bytes() noexcept = default;

  /// Takes the vector's storage: a large payload is not copied (one small
  /// allocation for the reference count); a small one is copied inline.
  shared_bytes(bytes&& owned) { // NOLINT: implicit by design
    if (owned.size() <= inline_capacity) {
      assign_inline(owned);
      return;
    }
    auto holder = std::make_shared<const bytes>(std::move(owned));
    size_ = holder->size();
    shared_data_ = holder->data();
    owner_ = std::move(holder);
  }
  /// Copies the vector's bytes.
  shared_bytes(const bytes& b) : shared_bytes(copy(b)) {} // NOLINT: implicit by design
  shared_bytes(std::initializer_list<std::uint8_t> list)
      : shared_bytes(copy(byte_view{list.begin(), list.size()})) {}

  /// Shares bytes that `owner` keeps alive (e.g. a part of a received packet's
  /// buffer). A null owner copies them instead.
  shared_bytes(std::shared_ptr<const void> owner, byte_view view) {
    if (!owner || view.size() <= inline_capacity) {
      assign_inline_or_copy(view);
      return;
    }
    size_ = view.size();
    shared_data_ = view.data();
    owner_ = std::move(owner);
  }

  /// A copy of borrowed bytes (one allocation above the inline capacity).
  static shared_bytes copy(byte_view view) {
    shared_bytes result;
    result.assign_inline_or_copy(view);
    return result;
  }
  /// A copy of a string's characters.
  static shared_bytes copy(std::string_view s) { return copy(as_bytes(s)); }

  shared_bytes(const shared_bytes& other)
      : size_(other.size_), owner_(other.owner_), shared_data_(other.shared_data_) {
    if (!owner_ && size_ != 0) {
      std::memcpy(inline_, other.inline_, size_);
    }
  }
  shared_bytes& operator=(const shared_bytes& other) {
    if (this != &other) {
      size_ = other.size_;
      owner_ = other.owner_;
      shared_data_ = other.shared_data_;
      if (!owner_ && size_ != 0) {
        std::memcpy(inline_, other.inline_, size_);
      }
    }
    return *this;
  }
  shared_bytes(shared_bytes&& other) noexcept
      : size_(std::exchange(other.size_, 0)), owner_(std::move(other.owner_)),
        shared_data_(other.shared_data_) {
    if (!owner_ && size_ != 0) {
      std::memcpy(inline_, other.inline_, size_);
    }
  }
  shared_bytes& operator=(shared_bytes&& other) noexcept {
    if (this != &other) {
      size_ = std::exchange(other.size_, 0);
      owner_ = std::move(other.owner_);
      shared_data_ = other.shared_data_;
      if (!owner_ && size_ != 0) {
        std::memcpy(inline_, other.inline_, size_);
      }
    }
    return *this;
  }

  const std::uint8_t* data() const noexcept { return owner_ ? shared_data_ : inline_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const std::uint8_t* begin() const noexcept { return data(); }
  const std::uint8_t* end() const noexcept { return data() + size_; }
  std::uint8_t operator[](std::size_t i) const noexcept { return data()[i]; }
  byte_view view() const noexcept { return {data(), size_}; }

  /// True when the bytes are in a shared buffer rather than inline.
  bool is_shared() const noexcept { return owner_ != nullptr; }
  /// Keeps the shared buffer alive (null for inline bytes).
  const std::shared_ptr<const void>& owner() const noexcept { return owner_; }

  /// A new vector holding a copy of the bytes.
  bytes to_vector() const { return {begin(), end()}; }

  friend bool operator==(const shared_bytes& a, byte_view b) noexcept {
    return a.size_ == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept {
    return a == b.view();
  }
  friend bool operator==(const shared_bytes& a, const bytes& b) noexcept {
    return a == byte_view{b};
  }

private:
  void assign_inline(byte_view view) noexcept {
    size_ = view.size();
    if (size_ != 0) {
      std::memcpy(inline_, view.data(), size_);
    }
  }
  void assign_inline_or_copy(byte_view view) {
    if (view.size() <= inline_capacity) {
      assign_inline(view);
      return;
    }
    auto holder = std::make_shared_for_overwrite<std::uint8_t[]>(view.size());
    std::memcpy(holder.get(), view.data(), view.size());
    size_ = view.size();
    shared_data_ = holder.get();
    owner_ = std::move(holder);
  }

  std::size_t size_ = 0;
  std::shared_ptr<const void> owner_;         // null: the bytes are inline
  const std::uint8_t* shared_data_ = nullptr; // the bytes when shared
  std::uint8_t inline_[inline_capacity];      // the bytes when not
};

} // namespace braid::protocol
