#pragma once
// The progress of a load run on stderr, once a second: on a terminal one
// line redrawn in place, elsewhere a plain line each time.
//
//   [  12 s] up 9,871/10,000  connect failures 0 | out 12,345 msg/s | in 12,300 msg/s | errors 0

#include "load_run.hpp"

#include <string>

namespace braid::cli {

class load_progress {
public:
  load_progress(std::string program, bool terminal)
      : program_(std::move(program)), terminal_(terminal) {}

  void show(const load_snapshot& s);
  /// On a terminal: erases the line, before the summary is printed.
  void clear();

  /// The line, without its end (for the tests of its format and for show()).
  static std::string line(const load_snapshot& s);

private:
  std::string program_;
  bool terminal_;
  std::size_t last_width_ = 0;
};

} // namespace braid::cli
