#pragma once
// Internal: the completion handler types of braid::client's operations and
// how a result reaches one — posted, never run inside the call that caused it.

#include <braid/operation_results.hpp>
#include <braid/protocol/packets.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <system_error>
#include <utility>
#include <vector>

namespace braid::detail {

namespace asio = boost::asio;
namespace bp = braid::protocol;

// Asio's error code type, so that use_awaitable and use_future turn errors
// into exceptions; it carries braid's std::error_code categories unchanged.
using error_code = boost::system::error_code;
using connect_handler = asio::any_completion_handler<void(error_code, bp::connack)>;
using publish_handler = asio::any_completion_handler<void(error_code, publish_result)>;
using reasons_handler = asio::any_completion_handler<void(error_code, subscribe_result)>;
using auth_handler = asio::any_completion_handler<void(error_code, auth_result)>;
using plain_handler = asio::any_completion_handler<void(error_code)>;
using receive_handler = asio::any_completion_handler<void(error_code, bp::publish)>;

/// Runs `handler(ec, args...)` later: posted to `strand`, then dispatched to
/// the handler's associated executor (by default the strand itself). Asio's
/// own codes (operation_aborted) pass as they are, so that they compare
/// equal to asio::error values; braid's std::error_code categories convert.
template <class Handler, class Executor, class... Args>
void post_completion(Handler handler, const Executor& strand, error_code ec, Args... args) {
  asio::post(strand, [strand, ec, h = std::move(handler), ... a = std::move(args)]() mutable {
    auto ex = asio::get_associated_executor(h, strand);
    asio::dispatch(ex, [ec, h = std::move(h), ... b = std::move(a)]() mutable {
      std::move(h)(ec, std::move(b)...);
    });
  });
}

} // namespace braid::detail
