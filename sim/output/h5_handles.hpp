#pragma once
// Internal to sim/output (never included by a public header): RAII ownership of HDF5
// identifiers, and the checks that turn a failed HDF5 call into an H5Error carrying the
// library's error stack.

#include <hdf5.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "output/h5_error.hpp"

namespace fleetsim::output::detail {

// Owns one HDF5 identifier and releases it with Close (H5Fclose, H5Gclose, ...) on
// destruction. Move-only. Predefined identifiers such as H5T_NATIVE_DOUBLE are never wrapped.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

  // Releases the identifier, ignoring a failure (for destructors and unwinding).
  void reset() noexcept {
    if (id_ >= 0) {
      Close(id_);
      id_ = H5I_INVALID_HID;
    }
  }

  // Releases the identifier and returns HDF5's status, so that a failed close (which may
  // mean data did not reach the file) can be reported.
  herr_t close() noexcept {
    const herr_t status = id_ >= 0 ? Close(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using FileHandle = Handle<H5Fclose>;
using GroupHandle = Handle<H5Gclose>;
using DatasetHandle = Handle<H5Dclose>;
using DataspaceHandle = Handle<H5Sclose>;
using DatatypeHandle = Handle<H5Tclose>;
using PropertyListHandle = Handle<H5Pclose>;
using AttributeHandle = Handle<H5Aclose>;
// A group, dataset or named datatype opened by path with H5Oopen.
using ObjectHandle = Handle<H5Oclose>;

// Turns off HDF5's automatic printing of error stacks for the calling thread (error state
// is per thread in the thread-safe library). Cheap after the first call on a thread. The
// first call in the process also keeps HDF5 from installing its exit handler (H5dont_atexit):
// every file fleetsim opens is closed by its owner, and in HDF5 1.10 the handler crashes
// (SIGSEGV) on a file whose H5Fclose failed, e.g. on a full disk.
void silence_hdf5_errors();

// The calling thread's HDF5 error stack, which this clears.
struct ErrorStack {
  std::string text;   // every entry, outermost call first, in HDF5's own layout
  std::string cause;  // the innermost entry's description as one short line ("File too large")
};
ErrorStack take_error_stack();

// Throws H5Error "HDF5: cannot <action> '<object_path>': <cause>" with the current error stack.
[[noreturn]] void throw_h5_error(std::string_view action, std::string_view object_path);

// Throws (as above) when an HDF5 call returned a negative status.
inline void check(herr_t status, std::string_view action, std::string_view object_path) {
  if (status < 0) throw_h5_error(action, object_path);
}

// A tri-state HDF5 answer (H5Lexists, H5Aexists, ...) as bool; throws on failure.
inline bool check_bool(htri_t answer, std::string_view action, std::string_view object_path) {
  if (answer < 0) throw_h5_error(action, object_path);
  return answer > 0;
}

// Takes ownership of an identifier an HDF5 call returned; throws if the call failed.
template <class H>
H make(hid_t id, std::string_view action, std::string_view object_path) {
  if (id < 0) throw_h5_error(action, object_path);
  return H(id);
}

// "/a/b" from "/a" and "b" (and "/b" from "/" and "b").
std::string join_path(const std::string& group, const std::string& name);

// A path in canonical form: a leading '/', no trailing '/' (except the root "/"), no empty
// components. "site" and "/site/" both give "/site". Throws H5Error for "" or a "." or ".."
// component.
std::string normalize_path(const std::string& path);

// The components of a canonical path: "/summary/region" -> {"summary", "region"}.
std::vector<std::string> split_path(const std::string& canonical_path);

// Whether every link along a canonical path exists below loc ("/" always exists).
bool path_exists(hid_t loc, const std::string& canonical_path);

// File access properties for fleetsim's files: HDF5's file locking is kept where the file
// system supports it and skipped (instead of failing to open) where it does not, as on some
// parallel file systems of HPC clusters.
PropertyListHandle make_file_access_properties(const std::string& path);

// A variable-length UTF-8 string datatype (file and memory type alike).
DatatypeHandle make_vlen_utf8_type();

}  // namespace fleetsim::output::detail
