// shared_bytes: small payloads inline, large ones shared by every copy, never
// changed through a copy; and output_buffer's shared parts.
#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/shared_bytes.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace braid::protocol {
namespace {

bytes filled(std::size_t n, std::uint8_t value) {
  return bytes(n, value);
}

TEST(SharedBytes, SmallPayloadsAreInlineAndCopiedWithTheObject) {
  shared_bytes a = to_bytes("hello");
  EXPECT_FALSE(a.is_shared());
  EXPECT_EQ(a.size(), 5u);
  auto b = a;
  EXPECT_NE(b.data(), a.data()); // its own copy, inside the object
  EXPECT_EQ(b, to_bytes("hello"));
  auto at_limit = shared_bytes(filled(shared_bytes::inline_capacity, 1));
  EXPECT_FALSE(at_limit.is_shared());
}

TEST(SharedBytes, ALargeVectorIsTakenWithoutCopyingAndSharedByCopies) {
  auto v = filled(shared_bytes::inline_capacity + 1, 7);
  const auto* storage = v.data();
  shared_bytes a = std::move(v);
  EXPECT_TRUE(a.is_shared());
  EXPECT_EQ(a.data(), storage); // the vector's own storage
  auto b = a;
  EXPECT_EQ(b.data(), storage);
  EXPECT_EQ(a.owner().use_count(), 2);
  {
    auto c = std::move(b);
    EXPECT_TRUE(b.empty()); // NOLINT: moved-from is empty
    EXPECT_EQ(c.data(), storage);
    EXPECT_EQ(a.owner().use_count(), 2);
  }
  EXPECT_EQ(a.owner().use_count(), 1);
}

TEST(SharedBytes, CopyOfABorrowedViewOwnsItsBytes) {
  auto source = std::make_unique<bytes>(filled(1000, 3));
  auto a = shared_bytes::copy(byte_view{*source});
  source.reset();
  EXPECT_TRUE(a.is_shared());
  EXPECT_EQ(a, filled(1000, 3));
  EXPECT_EQ(shared_bytes::copy(std::string_view("abc")), to_bytes("abc"));
}

TEST(SharedBytes, APartOfAnOwnedBufferIsSharedNotCopied) {
  auto buffer = std::make_shared<bytes>(filled(4096, 9));
  const byte_view part = byte_view{*buffer}.subspan(100, 2000);
  shared_bytes a(buffer, part);
  EXPECT_TRUE(a.is_shared());
  EXPECT_EQ(a.data(), buffer->data() + 100);
  EXPECT_EQ(buffer.use_count(), 2);
  // Small parts are copied inline: they do not keep a large buffer alive.
  shared_bytes small(buffer, part.first(10));
  EXPECT_FALSE(small.is_shared());
  EXPECT_EQ(buffer.use_count(), 2);
  // Without an owner, the bytes are copied.
  shared_bytes copied(nullptr, part);
  EXPECT_NE(copied.data(), part.data());
  EXPECT_EQ(copied, part);
}

TEST(SharedBytes, EqualityComparesTheBytes) {
  shared_bytes a = filled(500, 1);
  shared_bytes b = filled(500, 1);
  shared_bytes c = filled(500, 2);
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a, filled(500, 1));
  EXPECT_EQ(shared_bytes{}, bytes{});
  EXPECT_EQ((shared_bytes{1, 2, 3}), (bytes{1, 2, 3}));
  EXPECT_EQ(a.to_vector(), filled(500, 1));
}

TEST(SharedBytes, AssignmentReplacesAndReleases) {
  shared_bytes a = filled(500, 1);
  auto keep = a.owner();
  a = to_bytes("x");
  EXPECT_FALSE(a.is_shared());
  EXPECT_EQ(keep.use_count(), 1);
  shared_bytes b = filled(300, 2);
  a = b;
  EXPECT_EQ(a.data(), b.data());
  auto& same = a;
  a = same; // self-assignment is harmless
  EXPECT_EQ(a, filled(300, 2));
}

TEST(OutputBuffer, SharedPartsComeInOrderAfterWhatWasAppendedBefore) {
  output_buffer out;
  auto put = [&](bytes b) {
    std::copy(b.begin(), b.end(), out.prepare(b.size()));
    out.commit(b.size());
  };
  put({1, 2});
  const shared_bytes big = filled(1000, 0xAA);
  out.append_shared(big);
  put({3});
  out.append_shared(big);
  EXPECT_TRUE(out.has_shared());
  EXPECT_EQ(out.size(), 2u + 1000u + 1u + 1000u);
  EXPECT_EQ(out.view().size(), 3u); // only the copied bytes
  std::vector<std::size_t> sizes;
  out.for_each_part([&](byte_view part) { sizes.push_back(part.size()); });
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 1000, 1, 1000}));
  auto all = out.flatten();
  ASSERT_EQ(all.size(), out.size());
  EXPECT_EQ(all[0], 1);
  EXPECT_EQ(all[2], 0xAA);
  EXPECT_EQ(all[1002], 3);
  EXPECT_EQ(big.owner().use_count(), 3);
  out.clear();
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(big.owner().use_count(), 1);
}

TEST(OutputBuffer, ReleaseGivesTheStorageBack) {
  output_buffer out(4096);
  EXPECT_GE(out.capacity(), 4096u);
  out.release();
  EXPECT_EQ(out.capacity(), 0u);
  *out.prepare(1) = 5;
  out.commit(1);
  EXPECT_EQ(out.flatten(), bytes{5});
}

} // namespace
} // namespace braid::protocol
