// braid_sink: the ack-only MQTT sink of the benchmarks as a process of its
// own, for tools that must not run it inside the measured client (such as
// bench/count-instructions, which runs the client under valgrind).
//
//   braid_sink [--port N] [--port-file PATH]
//
// Serves on 127.0.0.1 (port 0 or none: a free one) until killed. The port is
// printed on stdout and, with --port-file, written to PATH once it accepts.

#include "sink.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  long port = 0;
  std::string port_file;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "usage: %s [--port N] [--port-file PATH]\n", argv[0]);
      return 2;
    }
    if (std::strcmp(argv[i], "--port") == 0) {
      port = std::strtol(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--port-file") == 0) {
      port_file = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--port-file PATH]\n", argv[0]);
      return 2;
    }
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "braid_sink: --port must be 0 to 65535\n");
    return 2;
  }
  try {
    braid::loadgen::run_sink(static_cast<std::uint16_t>(port), [&](std::uint16_t listening) {
      std::printf("%u\n", static_cast<unsigned>(listening));
      std::fflush(stdout);
      if (!port_file.empty()) {
        const std::string tmp = port_file + ".tmp";
        std::ofstream(tmp) << listening << '\n';
        std::rename(tmp.c_str(), port_file.c_str());
      }
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "braid_sink: %s\n", e.what());
    return 1;
  }
  return 1;
}
