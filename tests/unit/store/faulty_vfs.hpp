#pragma once
// A SQLite VFS for fault injection: it passes everything to the default VFS,
// and while `fault` is set, writes and syncs of every file fail with it
// (SQLITE_FULL is a full disk, SQLITE_IOERR_WRITE a failing one). It counts
// syncs, which shows what a sync policy does. Register
// once with faulty_vfs::install(); open a store with vfs = faulty_vfs::name.

#include <sqlite3.h>

#include <cstring>

namespace braid::testing {

struct faulty_vfs {
  static constexpr const char* name = "braid-faulty";
  static inline int fault = SQLITE_OK;
  /// Syncs (fsync) asked for so far, of every file.
  static inline int syncs = 0;

  static void install() {
    static bool done = false;
    if (done) {
      return;
    }
    done = true;
    static sqlite3_vfs vfs = *sqlite3_vfs_find(nullptr);
    real() = sqlite3_vfs_find(nullptr);
    vfs.zName = name;
    vfs.szOsFile = static_cast<int>(sizeof(file)) + real()->szOsFile;
    vfs.xOpen = &open;
    sqlite3_vfs_register(&vfs, 0);
  }

private:
  // Our file, followed in memory by the real VFS's file.
  struct file {
    sqlite3_file base;
    sqlite3_file* inner() { return reinterpret_cast<sqlite3_file*>(this + 1); }
  };
  static sqlite3_vfs*& real() {
    static sqlite3_vfs* v = nullptr;
    return v;
  }
  static file* self(sqlite3_file* f) { return reinterpret_cast<file*>(f); }

  static const sqlite3_io_methods* methods() {
    static sqlite3_io_methods m{};
    static bool ready = false;
    if (!ready) {
      ready = true;
      m.iVersion = 1;
      m.xClose = [](sqlite3_file* f) {
        auto* in = self(f)->inner();
        return in->pMethods != nullptr ? in->pMethods->xClose(in) : SQLITE_OK;
      };
      m.xRead = [](sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
        auto* in = self(f)->inner();
        return in->pMethods->xRead(in, b, n, o);
      };
      m.xWrite = [](sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
        if (fault != SQLITE_OK) {
          return fault;
        }
        auto* in = self(f)->inner();
        return in->pMethods->xWrite(in, b, n, o);
      };
      m.xTruncate = [](sqlite3_file* f, sqlite3_int64 s) {
        auto* in = self(f)->inner();
        return in->pMethods->xTruncate(in, s);
      };
      m.xSync = [](sqlite3_file* f, int flags) {
        ++syncs;
        if (fault != SQLITE_OK) {
          return fault == SQLITE_FULL ? SQLITE_IOERR_FSYNC : fault;
        }
        auto* in = self(f)->inner();
        return in->pMethods->xSync(in, flags);
      };
      m.xFileSize = [](sqlite3_file* f, sqlite3_int64* s) {
        auto* in = self(f)->inner();
        return in->pMethods->xFileSize(in, s);
      };
      m.xLock = [](sqlite3_file* f, int l) {
        auto* in = self(f)->inner();
        return in->pMethods->xLock(in, l);
      };
      m.xUnlock = [](sqlite3_file* f, int l) {
        auto* in = self(f)->inner();
        return in->pMethods->xUnlock(in, l);
      };
      m.xCheckReservedLock = [](sqlite3_file* f, int* r) {
        auto* in = self(f)->inner();
        return in->pMethods->xCheckReservedLock(in, r);
      };
      m.xFileControl = [](sqlite3_file* f, int op, void* a) {
        auto* in = self(f)->inner();
        return in->pMethods->xFileControl(in, op, a);
      };
      m.xSectorSize = [](sqlite3_file* f) {
        auto* in = self(f)->inner();
        return in->pMethods->xSectorSize(in);
      };
      m.xDeviceCharacteristics = [](sqlite3_file* f) {
        auto* in = self(f)->inner();
        return in->pMethods->xDeviceCharacteristics(in);
      };
    }
    return &m;
  }

  // Version 1 methods only: SQLite then uses no shared memory and no mmap,
  // which WAL allows in exclusive locking mode (the store's mode).
  static int open(sqlite3_vfs*, sqlite3_filename path, sqlite3_file* f, int flags, int* out) {
    auto* me = self(f);
    std::memset(me, 0, sizeof(file));
    int rc = real()->xOpen(real(), path, me->inner(), flags, out);
    me->base.pMethods = rc == SQLITE_OK ? methods() : nullptr;
    return rc;
  }
};

} // namespace braid::testing
