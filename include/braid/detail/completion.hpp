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

/// Runs `handler(ec, args...)` later, on the handler's associated executor
/// (by default `strand`, the client's), never inside the call that caused
/// it. A handler that runs on the strand gets one post; one with another
/// executor is posted to the strand and dispatched from there (a type-erased
/// handler's executor cannot be asked never to block, so it is not posted to
/// directly). Asio's own codes (operation_aborted) pass as they are, so that
/// they compare equal to asio::error values; braid's std::error_code
/// categories convert.
template <class Handler, class Executor, class... Args>
void post_completion(Handler handler, const Executor& strand, error_code ec, Args... args) {
  auto ex = asio::get_associated_executor(handler, strand);
  if (const auto* same = ex.template target<Executor>(); same != nullptr && *same == strand) {
    // The common case, and the hot path of a QoS 0 publish.
    asio::post(strand, [ec, h = std::move(handler), ... a = std::move(args)]() mutable {
      std::move(h)(ec, std::move(a)...);
    });
    return;
  }
  asio::post(strand,
             [ex = std::move(ex), ec, h = std::move(handler), ... a = std::move(args)]() mutable {
               asio::dispatch(ex, [ec, h = std::move(h), ... b = std::move(a)]() mutable {
                 std::move(h)(ec, std::move(b)...);
               });
             });
}

} // namespace braid::detail
