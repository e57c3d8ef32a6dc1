#pragma once
// Internal to sim/output: the HDF5 file driver RunFileWriter writes through. It does what
// HDF5's POSIX driver (sec2) does, with the same feature flags and so the same bytes in the
// file, except when a write fails (a full disk, a file-size limit, an I/O error):
//
// HDF5 1.10 does not survive a failed write. The metadata cache is left mid-flush, every later
// flush fails ("slist already enabled?"), H5Fclose frees the file but leaves its identifier
// registered, and HDF5's exit handler then crashes on it (SIGSEGV); the descriptor, and the
// disk space of the removed temporary file, are never released. So the driver never reports a
// write error to HDF5. It records the first one in the writer's WriteState and from then on
// discards every write, flush and truncate; HDF5 carries on as if all were well, and the
// writer, which checks the state after every operation, throws and abandons the file, whose
// close then succeeds. A writer also sets `discard` itself before closing a file it abandons.
//
// Built for the HDF5 1.10 driver interface (Debian's libhdf5-dev, docs/dependencies.md); with
// another HDF5 version the writer uses sec2 and the state stays empty.

#include <hdf5.h>

#include <string>

#include "output/h5_handles.hpp"

namespace fleetsim::output::detail {

// Shared by a writer and the driver of its open file (the writer owns it and keeps it at one
// address while the file is open).
struct WriteState {
  int error = 0;         // errno of the first failed write, truncate or close; 0: none
  bool discard = false;  // every later write, flush and truncate does nothing
};

// File access properties to create `path` through the driver, recording failures in `state`;
// file locking as make_file_access_properties.
PropertyListHandle make_writer_file_access_properties(const std::string& path, WriteState* state);

}  // namespace fleetsim::output::detail
