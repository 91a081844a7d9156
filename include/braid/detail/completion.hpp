#pragma once
// Internal: the completion handler types of braid::client's operations (how
// a result reaches one: completion_queue.hpp).

#include <braid/detail/completion_queue.hpp>
#include <braid/operation_results.hpp>
#include <braid/protocol/packets.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <system_error>
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

} // namespace braid::detail
