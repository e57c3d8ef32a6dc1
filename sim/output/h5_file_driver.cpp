#include "output/h5_file_driver.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace fleetsim::output::detail {

#if H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10

namespace {

// The largest address a file offset (off_t) can hold, as in sec2.
constexpr haddr_t kMaxAddress = (haddr_t{1} << (8 * sizeof(off_t) - 1)) - 1;

// The driver's file access property: where a file records its failures.
struct DriverInfo {
  WriteState* state;
};

// One open file. `pub` first: HDF5 sees an H5FD_t and fills it in.
struct DriverFile {
  H5FD_t pub;
  int fd;
  haddr_t eoa;  // end of the address space HDF5 has allocated
  haddr_t eof;  // end of the file on disk
  dev_t device;
  ino_t inode;
  bool ignore_disabled_locks;  // file locking unsupported by the file system: go on unlocked
  WriteState* state;           // the writer's (never null while open)
};

DriverFile* file_of(H5FD_t* file) {
  return reinterpret_cast<DriverFile*>(file);
}
const DriverFile* file_of(const H5FD_t* file) {
  return reinterpret_cast<const DriverFile*>(file);
}

// Pushes the system's message for errno `error` on HDF5's error stack (take_error_stack
// reports the innermost entry as the cause), for failures HDF5 handles well: open, lock.
void push_error(const char* function, hid_t minor, int error) {
  H5Epush2(H5E_DEFAULT, __FILE__, function, __LINE__, H5E_ERR_CLS, H5E_VFL, minor, "%s", std::strerror(error));
}

// Whether writes to the file are discarded (abandoned, or after a failure).
bool discarding(const DriverFile* file) {
  return file->state->discard || file->state->error != 0;
}

// Records the first failure of a write, truncate or close; HDF5 is told all went well.
herr_t record_failure(DriverFile* file, int error) {
  if (file->state->error == 0) file->state->error = error != 0 ? error : EIO;
  return 0;
}

bool region_overflows(haddr_t addr, size_t size) {
  return addr == HADDR_UNDEF || addr > kMaxAddress || size > kMaxAddress || addr + size > kMaxAddress;
}

H5FD_t* driver_open(const char* name, unsigned flags, hid_t fapl, haddr_t maxaddr) {
  if (name == nullptr || *name == '\0' || maxaddr == 0 || maxaddr == HADDR_UNDEF) {
    push_error(__func__, H5E_BADVALUE, EINVAL);
    return nullptr;
  }
  int open_flags = ((flags & H5F_ACC_RDWR) != 0 ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  if ((flags & H5F_ACC_TRUNC) != 0) open_flags |= O_TRUNC;
  if ((flags & H5F_ACC_CREAT) != 0) open_flags |= O_CREAT;
  if ((flags & H5F_ACC_EXCL) != 0) open_flags |= O_EXCL;
  const int fd = ::open(name, open_flags, 0666);
  if (fd < 0) {
    push_error(__func__, H5E_CANTOPENFILE, errno);
    return nullptr;
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const int error = errno;
    ::close(fd);
    push_error(__func__, H5E_CANTOPENFILE, error);
    return nullptr;
  }
  const auto* info = static_cast<const DriverInfo*>(H5Pget_driver_info(fapl));
  auto* file = static_cast<DriverFile*>(std::calloc(1, sizeof(DriverFile)));
  if (info == nullptr || info->state == nullptr || file == nullptr) {
    std::free(file);
    ::close(fd);
    push_error(__func__, H5E_CANTALLOC, info == nullptr || info->state == nullptr ? EINVAL : ENOMEM);
    return nullptr;
  }
  file->fd = fd;
  file->eof = static_cast<haddr_t>(status.st_size);
  file->device = status.st_dev;
  file->inode = status.st_ino;
  file->state = info->state;
  hbool_t use_locking = 1;
  hbool_t ignore_disabled = 0;
#if H5_VERSION_GE(1, 10, 7)
  if (H5Pget_file_locking(fapl, &use_locking, &ignore_disabled) < 0) ignore_disabled = 0;
#else
  (void)fapl;
#endif
  file->ignore_disabled_locks = ignore_disabled != 0;
  return &file->pub;
}

herr_t driver_close(H5FD_t* handle) {
  DriverFile* file = file_of(handle);
  // close reports errors of writes the system had buffered (NFS): recorded like any other
  if (::close(file->fd) != 0 && !discarding(file)) record_failure(file, errno);
  std::free(file);
  return 0;
}

int driver_compare(const H5FD_t* a, const H5FD_t* b) {
  const DriverFile* f1 = file_of(a);
  const DriverFile* f2 = file_of(b);
  if (f1->device != f2->device) return f1->device < f2->device ? -1 : 1;
  if (f1->inode != f2->inode) return f1->inode < f2->inode ? -1 : 1;
  return 0;
}

// sec2's feature flags, read from the library once (they decide how HDF5 lays out the file).
unsigned long g_feature_flags = 0;

herr_t driver_query(const H5FD_t* /*file*/, unsigned long* flags) {
  if (flags != nullptr) *flags = g_feature_flags;
  return 0;
}

haddr_t driver_get_eoa(const H5FD_t* file, H5FD_mem_t /*type*/) {
  return file_of(file)->eoa;
}

herr_t driver_set_eoa(H5FD_t* file, H5FD_mem_t /*type*/, haddr_t addr) {
  if (addr > kMaxAddress) {
    push_error(__func__, H5E_OVERFLOW, EFBIG);
    return -1;
  }
  file_of(file)->eoa = addr;
  return 0;
}

haddr_t driver_get_eof(const H5FD_t* file, H5FD_mem_t /*type*/) {
  return file_of(file)->eof;
}

herr_t driver_get_handle(H5FD_t* file, hid_t /*fapl*/, void** handle) {
  if (handle == nullptr) return -1;
  *handle = &file_of(file)->fd;
  return 0;
}

herr_t driver_read(H5FD_t* handle, H5FD_mem_t /*type*/, hid_t /*dxpl*/, haddr_t addr, size_t size, void* buffer) {
  DriverFile* file = file_of(handle);
  if (region_overflows(addr, size) || addr + size > file->eoa) {
    push_error(__func__, H5E_OVERFLOW, EINVAL);
    return -1;
  }
  auto* out = static_cast<unsigned char*>(buffer);
  while (size > 0) {
    const ssize_t n = ::pread(file->fd, out, size, static_cast<off_t>(addr));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      push_error(__func__, H5E_READERROR, errno);
      return -1;
    }
    if (n == 0) {  // past the end of the file: zeros, as sec2 reads
      std::memset(out, 0, size);
      break;
    }
    size -= static_cast<size_t>(n);
    addr += static_cast<haddr_t>(n);
    out += n;
  }
  return 0;
}

herr_t driver_write(H5FD_t* handle, H5FD_mem_t /*type*/, hid_t /*dxpl*/, haddr_t addr, size_t size,
                    const void* buffer) {
  DriverFile* file = file_of(handle);
  if (discarding(file)) return 0;
  if (region_overflows(addr, size) || addr + size > file->eoa) return record_failure(file, EFBIG);
  const auto* in = static_cast<const unsigned char*>(buffer);
  const haddr_t end = addr + size;
  while (size > 0) {
    const ssize_t n = ::pwrite(file->fd, in, size, static_cast<off_t>(addr));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return record_failure(file, n < 0 ? errno : EIO);
    size -= static_cast<size_t>(n);
    addr += static_cast<haddr_t>(n);
    in += n;
  }
  if (end > file->eof) file->eof = end;
  return 0;
}

herr_t driver_truncate(H5FD_t* handle, hid_t /*dxpl*/, hbool_t /*closing*/) {
  DriverFile* file = file_of(handle);
  if (discarding(file) || file->eoa == file->eof) return 0;
  if (::ftruncate(file->fd, static_cast<off_t>(file->eoa)) != 0) return record_failure(file, errno);
  file->eof = file->eoa;
  return 0;
}

herr_t driver_lock(H5FD_t* handle, hbool_t read_write) {
  DriverFile* file = file_of(handle);
  if (::flock(file->fd, (read_write != 0 ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return 0;
  if (file->ignore_disabled_locks && (errno == ENOSYS || errno == EOPNOTSUPP)) return 0;
  push_error(__func__, H5E_CANTLOCKFILE, errno);
  return -1;
}

herr_t driver_unlock(H5FD_t* handle) {
  DriverFile* file = file_of(handle);
  if (::flock(file->fd, LOCK_UN) == 0) return 0;
  if (file->ignore_disabled_locks && (errno == ENOSYS || errno == EOPNOTSUPP)) return 0;
  push_error(__func__, H5E_CANTUNLOCKFILE, errno);
  return -1;
}

const H5FD_class_t kDriverClass = {
    .name = "fleetsim_posix",
    .maxaddr = kMaxAddress,
    .fc_degree = H5F_CLOSE_WEAK,
    .terminate = nullptr,
    .sb_size = nullptr,  // no driver information in the superblock: files as sec2 writes them
    .sb_encode = nullptr,
    .sb_decode = nullptr,
    .fapl_size = sizeof(DriverInfo),
    .fapl_get = nullptr,
    .fapl_copy = nullptr,
    .fapl_free = nullptr,
    .dxpl_size = 0,
    .dxpl_copy = nullptr,
    .dxpl_free = nullptr,
    .open = driver_open,
    .close = driver_close,
    .cmp = driver_compare,
    .query = driver_query,
    .get_type_map = nullptr,
    .alloc = nullptr,
    .free = nullptr,
    .get_eoa = driver_get_eoa,
    .set_eoa = driver_set_eoa,
    .get_eof = driver_get_eof,
    .get_handle = driver_get_handle,
    .read = driver_read,
    .write = driver_write,
    .flush = nullptr,
    .truncate = driver_truncate,
    .lock = driver_lock,
    .unlock = driver_unlock,
    .fl_map = H5FD_FLMAP_DICHOTOMY,
};

// The driver's identifier, registered on first use (and again if the library was closed).
hid_t driver_id() {
  static std::mutex mutex;
  static hid_t id = H5I_INVALID_HID;
  const std::lock_guard<std::mutex> lock(mutex);
  if (id >= 0 && H5Iis_valid(id) > 0) return id;
  if (H5FDdriver_query(H5FD_SEC2, &g_feature_flags) < 0) throw_h5_error("query the flags of the sec2 driver", "");
  id = H5FDregister(&kDriverClass);
  if (id < 0) throw_h5_error("register fleetsim's file driver", "");
  return id;
}

}  // namespace

PropertyListHandle make_writer_file_access_properties(const std::string& path, WriteState* state) {
  PropertyListHandle fapl = make_file_access_properties(path);
  const DriverInfo info{state};
  check(H5Pset_driver(fapl.get(), driver_id(), &info), "set the file driver for", path);
  return fapl;
}

#else  // another HDF5 version: its own POSIX driver

PropertyListHandle make_writer_file_access_properties(const std::string& path, WriteState* /*state*/) {
  return make_file_access_properties(path);
}

#endif

}  // namespace fleetsim::output::detail
