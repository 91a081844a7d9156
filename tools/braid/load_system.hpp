#pragma once
// What a load run needs of the operating system: enough file descriptors
// for its connections, and how much memory the process holds.

#include <cstdint>
#include <string>

namespace braid::cli {

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit
/// now in force (0 when it cannot be read).
std::uint64_t raise_fd_limit();

/// Resident memory of this process now, in KiB (/proc/self/statm); 0 when unknown.
long current_rss_kb();

/// File descriptors this process has open now (/proc/self/fd); 0 when unknown.
long open_fd_count();

} // namespace braid::cli
