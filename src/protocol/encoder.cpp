#include <braid/protocol/encoder.hpp>

#include "checked_publish.hpp"
#include "packet_checks.hpp"
#include "packet_writer.hpp"
#include "wire.hpp"

#include <variant>

namespace braid::protocol {
namespace {

// Validates `p` and measures it: the first step of every encode.
template <class P>
std::error_code measure(const P& p, protocol_version v, std::size_t& body_size) {
  if (auto ec = detail::check(p, v)) {
    return ec;
  }
  wire::size_counter counter;
  detail::write_body(counter, p, v);
  body_size = counter.size();
  if (body_size > max_remaining_length) {
    return errc::packet_too_large;
  }
  return {};
}

constexpr std::size_t total_size(std::size_t body_size) noexcept {
  return 1 + wire::variable_integer_size(static_cast<std::uint32_t>(body_size)) + body_size;
}

template <class P>
std::uint8_t* write_packet(std::uint8_t* dst, const P& p, protocol_version v,
                           std::size_t body_size) {
  wire::byte_writer out{dst};
  out.u8(detail::first_byte(p));
  out.variable_integer(static_cast<std::uint32_t>(body_size));
  detail::write_body(out, p, v);
  return out.position();
}

std::size_t publish_body_size(const publish_view& p, protocol_version v) noexcept {
  wire::size_counter counter;
  detail::write_publish_header_body(counter, p, v);
  return counter.size() + p.payload.size();
}

std::error_code encode_publish_impl(const publish_view& p, protocol_version v, bool with_payload,
                                    output_buffer& out) {
  if (auto ec = detail::check(p, v)) {
    return ec;
  }
  if (publish_body_size(p, v) > max_remaining_length) {
    return errc::packet_too_large;
  }
  detail::encode_checked_publish(p, v, with_payload, out);
  return {};
}

} // namespace

std::size_t detail::checked_publish_size(const publish_view& p, protocol_version v) noexcept {
  return total_size(publish_body_size(p, v));
}

void detail::encode_checked_publish(const publish_view& p, protocol_version v, bool with_payload,
                                    output_buffer& out) {
  // One pass over the headers to learn the remaining length, one to write them.
  wire::size_counter counter;
  detail::write_publish_header_body(counter, p, v);
  const auto body_size = counter.size() + p.payload.size();
  const auto header_size =
      1 + wire::variable_integer_size(static_cast<std::uint32_t>(body_size)) + counter.size();
  const auto size = with_payload ? header_size + p.payload.size() : header_size;
  wire::byte_writer w{out.prepare(size)};
  w.u8(detail::flags_byte(p));
  w.variable_integer(static_cast<std::uint32_t>(body_size));
  detail::write_publish_header_body(w, p, v);
  if (with_payload) {
    w.raw(p.payload);
  }
  out.commit(size);
}

std::error_code encoded_size(const packet& p, protocol_version version, std::size_t& size) {
  return std::visit(
      [&](const auto& typed) -> std::error_code {
        std::size_t body = 0;
        if (auto ec = measure(typed, version, body)) {
          return ec;
        }
        size = total_size(body);
        return {};
      },
      p);
}

std::error_code encoded_size(const publish_view& p, protocol_version version, std::size_t& size) {
  if (auto ec = detail::check(p, version)) {
    return ec;
  }
  wire::size_counter counter;
  detail::write_publish_header_body(counter, p, version);
  const auto body_size = counter.size() + p.payload.size();
  if (body_size > max_remaining_length) {
    return errc::packet_too_large;
  }
  size = total_size(body_size);
  return {};
}

std::error_code encode(const packet& p, protocol_version version, std::span<std::uint8_t> dst,
                       std::size_t& written) {
  return std::visit(
      [&](const auto& typed) -> std::error_code {
        std::size_t body = 0;
        if (auto ec = measure(typed, version, body)) {
          return ec;
        }
        if (dst.size() < total_size(body)) {
          return errc::buffer_too_small;
        }
        written =
            static_cast<std::size_t>(write_packet(dst.data(), typed, version, body) - dst.data());
        return {};
      },
      p);
}

std::error_code encode(const packet& p, protocol_version version, output_buffer& out) {
  if (const auto* pub = std::get_if<publish>(&p)) {
    return encode_publish(pub->view(), version, out);
  }
  return std::visit(
      [&](const auto& typed) -> std::error_code {
        std::size_t body = 0;
        if (auto ec = measure(typed, version, body)) {
          return ec;
        }
        auto size = total_size(body);
        write_packet(out.prepare(size), typed, version, body);
        out.commit(size);
        return {};
      },
      p);
}

std::error_code encode_publish(const publish_view& p, protocol_version version,
                               output_buffer& out) {
  return encode_publish_impl(p, version, true, out);
}

std::error_code encode_publish_header(const publish_view& p, protocol_version version,
                                      output_buffer& out) {
  return encode_publish_impl(p, version, false, out);
}

} // namespace braid::protocol
