#pragma once
// Internal: the durable store's group commit. Changes of the store that no
// output waits on yet (publishes made from outside the strand, one handler
// each; the removals of a read full of acknowledgements) are committed a
// little later, after the handlers already queued on the strand have run,
// so that one commit and one write carry them all.

#include <braid/detail/io_executor.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <utility>

namespace braid::detail {

namespace asio = boost::asio;

class group_commit {
public:
  explicit group_commit(client_strand strand) : strand_(std::move(strand)) {}

  /// Whether a flush can leave the commit to later(): the connection is up
  /// and not closing, nothing is to be written, and the store has changes.
  static bool can_wait(bool open, bool closing, bool has_output, bool store_dirty) {
    return open && !closing && !has_output && store_dirty;
  }

  /// Runs `commit` once the handlers queued on the strand now have run.
  /// Asking again before then joins the same commit. `commit` keeps this
  /// object alive (it holds its owner).
  template <class Commit>
  void later(Commit commit) {
    if (posted_) {
      return;
    }
    posted_ = true;
    asio::post(strand_, [this, c = std::move(commit)]() mutable {
      posted_ = false;
      c();
    });
  }

  bool waiting() const { return posted_; }

private:
  client_strand strand_;
  bool posted_ = false;
};

} // namespace braid::detail
