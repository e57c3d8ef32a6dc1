#include "output/h5_writer.hpp"

#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "output/atomic_file.hpp"
#include "output/chunk_deflate.hpp"
#include "output/h5_file_driver.hpp"
#include "output/h5_handles.hpp"
#include "output/precompress.hpp"

namespace fleetsim::output {

namespace {

using detail::AttributeHandle;
using detail::check;
using detail::check_bool;
using detail::DatasetHandle;
using detail::DataspaceHandle;
using detail::DatatypeHandle;
using detail::FileHandle;
using detail::GroupHandle;
using detail::make;
using detail::ObjectHandle;
using detail::PropertyListHandle;

// Target size of one chunk of a numeric dataset: large enough that the per-chunk overhead
// (index entry, filter call) is negligible, small enough to read a time window cheaply.
constexpr hsize_t kTargetChunkBytes = hsize_t{1} << 20;
// 1-D numeric datasets smaller than this are stored contiguous and uncompressed: a chunk
// index would cost more than compression saves.
constexpr hsize_t kMinChunkedColumnBytes = hsize_t{64} << 10;
constexpr int kMaxDeflateLevel = 9;
// Precompressed chunks whose hashes are checked on two threads (about 1 MiB each): a thread's
// start costs ~50 us, a chunk's hash ~100 us.
constexpr size_t kMinChunksToShareHashing = 8;
constexpr const char* kHourDim = "hour";
// CF time encoding of the hour coordinate (decoded to datetime64 by xarray).
constexpr const char* kHourUnits = "seconds since 1970-01-01 00:00:00";
constexpr const char* kHourCalendar = "standard";
constexpr unsigned kCreationOrderFlags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

// File (little-endian, fixed) and memory (native) datatypes of a numeric element type.
template <class T>
struct NumericType;

template <>
struct NumericType<double> {
  static hid_t file() { return H5T_IEEE_F64LE; }
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
};

template <>
struct NumericType<int64_t> {
  static hid_t file() { return H5T_STD_I64LE; }
  static hid_t memory() { return H5T_NATIVE_INT64; }
};

// A series group as registered by add_series_group.
struct SeriesGroup {
  hsize_t n_hours = 0;
  std::string entity_dim;
  hsize_t n_entities = 0;
};

// A table group as registered by add_table.
struct Table {
  std::string row_dim;
  hsize_t n_rows = 0;
};

// Shape, storage and annotation of one dataset to create.
struct DatasetSpec {
  std::string group;                // canonical path of the parent group
  std::string name;                 // link name inside the group
  std::vector<hsize_t> dims;        // extent
  std::vector<hsize_t> chunk;       // chunk extent; empty = contiguous and unfiltered
  std::vector<std::string> scales;  // dimension scale (a dataset in the group) per dimension
  std::string units;
  std::string description;
};

// Creation properties shared by the root and every group: no timestamps (determinism);
// links and attributes kept in creation order, as netCDF-4 does.
void set_group_creation_properties(hid_t plist, const std::string& path) {
  check(H5Pset_obj_track_times(plist, 0), "disable time tracking for", path);
  check(H5Pset_link_creation_order(plist, kCreationOrderFlags), "track link creation order for", path);
  check(H5Pset_attr_creation_order(plist, kCreationOrderFlags), "track attribute creation order for", path);
}

PropertyListHandle make_dataset_creation_properties(const DatasetSpec& spec, unsigned deflate_level) {
  const std::string path = detail::join_path(spec.group, spec.name);
  auto dcpl = make<PropertyListHandle>(H5Pcreate(H5P_DATASET_CREATE), "create properties for", path);
  check(H5Pset_obj_track_times(dcpl.get(), 0), "disable time tracking for", path);
  check(H5Pset_attr_creation_order(dcpl.get(), kCreationOrderFlags), "track attribute creation order for", path);
  if (!spec.chunk.empty()) {
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(spec.chunk.size()), spec.chunk.data()), "set chunking for", path);
    if (deflate_level > 0) {
      check(H5Pset_shuffle(dcpl.get()), "set the shuffle filter for", path);
      check(H5Pset_deflate(dcpl.get(), deflate_level), "set the deflate filter for", path);
    }
  }
  return dcpl;
}

hsize_t element_count(const std::vector<hsize_t>& dims) {
  hsize_t count = 1;
  for (const hsize_t d : dims) count *= d;
  return count;
}

// Chunk extent of a numeric dataset whose first dimension is time (or rows): whole rows,
// about kTargetChunkBytes per chunk, at most the whole dataset. Empty for an empty dataset
// (HDF5 cannot chunk a zero extent), which is then stored contiguous.
std::vector<hsize_t> time_chunk(const std::vector<hsize_t>& dims, hsize_t element_bytes) {
  if (element_count(dims) == 0) return {};
  hsize_t row_bytes = element_bytes;
  for (size_t i = 1; i < dims.size(); ++i) row_bytes *= dims[i];
  std::vector<hsize_t> chunk = dims;
  chunk[0] = std::clamp<hsize_t>(kTargetChunkBytes / row_bytes, 1, dims[0]);
  return chunk;
}

// Chunk extent of a 1-D numeric column: contiguous when small, else as time_chunk.
std::vector<hsize_t> column_chunk(hsize_t n, hsize_t element_bytes) {
  if (n * element_bytes < kMinChunkedColumnBytes) return {};
  return time_chunk({n}, element_bytes);
}

void write_attribute(hid_t object, const std::string& object_path, const std::string& name, const Attribute& value) {
  const std::string action = "write attribute '" + name + "' of";
  if (check_bool(H5Aexists(object, name.c_str()), "look up attribute '" + name + "' of", object_path)) {
    check(H5Adelete(object, name.c_str()), "replace attribute '" + name + "' of", object_path);
  }
  auto space = make<DataspaceHandle>(H5Screate(H5S_SCALAR), action, object_path);
  if (const auto* integer = std::get_if<int64_t>(&value)) {
    auto attr = make<AttributeHandle>(
        H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), action, object_path);
    check(H5Awrite(attr.get(), H5T_NATIVE_INT64, integer), action, object_path);
  } else if (const auto* real = std::get_if<double>(&value)) {
    auto attr = make<AttributeHandle>(
        H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), action, object_path);
    check(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, real), action, object_path);
  } else {
    const char* text = std::get<std::string>(value).c_str();
    const DatatypeHandle type = detail::make_vlen_utf8_type();
    auto attr = make<AttributeHandle>(
        H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), action, object_path);
    check(H5Awrite(attr.get(), type.get(), static_cast<const void*>(&text)), action, object_path);
  }
}

template <class Key>
void require_unique(std::span<const Key> keys, const std::string& what, const std::string& path) {
  const std::set<Key> seen(keys.begin(), keys.end());
  if (seen.size() != keys.size()) throw H5Error("duplicate " + what + " in '" + path + "'", path);
}

}  // namespace

struct RunFileWriter::Impl {
  std::string final_path;
  std::string temp_path;
  unsigned deflate_level = 1;
  unsigned compression_threads = 0;
  FileHandle file;
  bool committed = false;
  bool failed = false;             // an HDF5 call failed: the file may be inconsistent and is never committed
  detail::WriteState write_state;  // the file driver's record of a failed write (h5_file_driver.hpp)
  std::map<std::string, SeriesGroup> series_groups;
  std::map<std::string, Table> tables;

  // Throws unless the file is open for writing.
  void require_open() const {
    detail::silence_hdf5_errors();
    if (committed) throw H5Error("HDF5: run file '" + final_path + "' is already committed", final_path);
    if (failed) throw H5Error("HDF5: an earlier write to '" + final_path + "' failed", final_path);
    if (!file.valid()) throw H5Error("HDF5: run file '" + temp_path + "' is not open", temp_path);
  }

  // Runs one public operation. A failed write (the driver's record, e.g. a full disk) or a
  // failed HDF5 call (an error with HDF5's stack) marks the writer failed; every error is
  // thrown naming the file, a failed write with the system's message as the cause.
  template <class Operation>
  void guarded(Operation&& operation) {
    try {
      operation();
    } catch (const H5Error& e) {
      if (!e.error_stack().empty()) failed = true;
      throw_write_failure();
      throw H5Error("cannot write '" + final_path + "': " + e.what(), e.object_path(), e.error_stack());
    }
    throw_write_failure();
  }

  void throw_write_failure() {
    if (write_state.error == 0) return;
    failed = true;
    throw H5Error("cannot write '" + final_path + "': " + std::strerror(write_state.error), final_path,
                  "write to '" + temp_path + "' failed: " + std::strerror(write_state.error));
  }

  // Opens the group at a canonical path, creating it and any missing parents.
  GroupHandle open_or_create_group(const std::string& canonical) {
    auto group = make<GroupHandle>(H5Gopen2(file.get(), "/", H5P_DEFAULT), "open group", "/");
    std::string prefix;
    for (const std::string& component : detail::split_path(canonical)) {
      prefix += "/" + component;
      if (check_bool(H5Lexists(group.get(), component.c_str(), H5P_DEFAULT), "look up", prefix)) {
        group = make<GroupHandle>(H5Gopen2(group.get(), component.c_str(), H5P_DEFAULT), "open group", prefix);
        continue;
      }
      auto gcpl = make<PropertyListHandle>(H5Pcreate(H5P_GROUP_CREATE), "create properties for", prefix);
      set_group_creation_properties(gcpl.get(), prefix);
      group = make<GroupHandle>(H5Gcreate2(group.get(), component.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                                "create group", prefix);
    }
    return group;
  }

  // Creates the dataset of spec with file type file_type, lets write_data fill it, then
  // writes units and description and attaches the dimension scales.
  template <class WriteData>
  DatasetHandle create_dataset(const DatasetSpec& spec, hid_t file_type, WriteData&& write_data) {
    const std::string path = detail::join_path(spec.group, spec.name);
    const GroupHandle group =
        make<GroupHandle>(H5Gopen2(file.get(), spec.group.c_str(), H5P_DEFAULT), "open group", spec.group);
    const PropertyListHandle dcpl = make_dataset_creation_properties(spec, deflate_level);
    const auto space = make<DataspaceHandle>(
        H5Screate_simple(static_cast<int>(spec.dims.size()), spec.dims.data(), nullptr), "create dataspace for", path);
    auto dataset = make<DatasetHandle>(
        H5Dcreate2(group.get(), spec.name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        "create dataset", path);
    if (element_count(spec.dims) > 0) check(write_data(dataset.get()), "write dataset", path);
    write_attribute(dataset.get(), path, "units", spec.units);
    write_attribute(dataset.get(), path, "description", spec.description);
    for (size_t dim = 0; dim < spec.scales.size(); ++dim) {
      const std::string scale_path = detail::join_path(spec.group, spec.scales[dim]);
      const auto scale = make<DatasetHandle>(H5Dopen2(group.get(), spec.scales[dim].c_str(), H5P_DEFAULT),
                                             "open dimension scale", scale_path);
      check(H5DSattach_scale(dataset.get(), scale.get(), static_cast<unsigned>(dim)),
            "attach dimension scale '" + scale_path + "' to", path);
    }
    return dataset;
  }

  template <class T>
  DatasetHandle write_numeric(const DatasetSpec& spec, std::span<const T> values,
                              const PrecompressedSeries* precompressed = nullptr) {
    return create_dataset(spec, NumericType<T>::file(), [&](hid_t dataset) {
      // Compressed chunks are made here, in the format of HDF5's shuffle + deflate pipeline
      // (chunk_deflate.hpp), and written as they are; this needs the memory byte order to
      // be the file's (little-endian). Otherwise HDF5's own pipeline compresses.
      if (spec.chunk.empty() || deflate_level == 0 || std::endian::native != std::endian::little) {
        return H5Dwrite(dataset, NumericType<T>::memory(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
      }
      return write_compressed_chunks(dataset, spec, std::as_bytes(values), sizeof(T), precompressed);
    });
  }

  // Writes data (row-major, dims of spec) as precompressed chunks with H5Dwrite_chunk. The
  // chunks of spec span whole rows, so chunk k holds rows [k * chunk[0], (k + 1) * chunk[0]).
  // Chunks compressed during the run (precompress.hpp) are used where their layout and level
  // are this dataset's and the data still hash the same.
  herr_t write_compressed_chunks(hid_t dataset, const DatasetSpec& spec, std::span<const std::byte> data,
                                 size_t element_bytes, const PrecompressedSeries* precompressed = nullptr) const {
    detail::RowChunking layout;
    layout.element_bytes = element_bytes;
    layout.row_bytes = element_bytes;
    for (size_t i = 1; i < spec.dims.size(); ++i) layout.row_bytes *= spec.dims[i];
    layout.rows = spec.dims[0];
    layout.chunk_rows = spec.chunk[0];
    const std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(data.data()), data.size());
    std::vector<char> ready;  // chunk k taken from `precompressed`
    const PrecompressedSeries* pre = precompressed;
    if (pre != nullptr && pre->rows == layout.rows && pre->row_bytes == layout.row_bytes &&
        pre->chunk_rows == layout.chunk_rows && pre->element_bytes == layout.element_bytes &&
        pre->deflate_level == static_cast<int>(deflate_level) && pre->chunks.size() == pre->hashes.size()) {
      const size_t chunk_bytes = layout.chunk_rows * layout.row_bytes;
      ready.assign(pre->chunks.size(), 0);
      // (pre->rows == layout.rows: an edge chunk has the same rows in both)
      const size_t n = std::min(pre->chunks.size(), (bytes.size() + chunk_bytes - 1) / chunk_bytes);
      const auto check = [&](size_t from, size_t to) {
        for (size_t k = from; k < to; ++k) {
          const size_t at = k * chunk_bytes;
          ready[k] = chunk_hash(bytes.subspan(at, std::min(chunk_bytes, bytes.size() - at))) == pre->hashes[k] ? 1 : 0;
        }
      };
      // the second half on another thread where compression may use more than one (each chunk
      // has its own flag: the result does not depend on it)
      std::jthread helper;
      const unsigned threads = compression_threads != 0 ? compression_threads : std::thread::hardware_concurrency();
      if (threads > 1 && n >= kMinChunksToShareHashing) {
        try {
          helper = std::jthread(check, n / 2, n);
        } catch (const std::system_error&) {
          // no thread to be had: this one hashes them all
        }
      }
      check(0, helper.joinable() ? n / 2 : n);
      if (helper.joinable()) helper.join();
    }
    const std::vector<std::vector<unsigned char>> chunks =
        detail::shuffle_deflate_chunks(bytes, layout, static_cast<int>(deflate_level), compression_threads, ready);
    std::vector<hsize_t> offset(spec.dims.size(), 0);
    for (size_t k = 0; k < chunks.size(); ++k) {
      offset[0] = k * spec.chunk[0];
      const std::vector<unsigned char>& chunk = k < ready.size() && ready[k] != 0 ? pre->chunks[k] : chunks[k];
      // Filter mask 0: every filter of the pipeline (shuffle, deflate) has been applied.
      const herr_t status = H5Dwrite_chunk(dataset, H5P_DEFAULT, 0, offset.data(), chunk.size(), chunk.data());
      if (status < 0) return status;
    }
    return 0;
  }

  DatasetHandle write_strings(const DatasetSpec& spec, std::span<const std::string> values) {
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& value : values) pointers.push_back(value.c_str());
    const DatatypeHandle type = detail::make_vlen_utf8_type();
    return create_dataset(spec, type.get(), [&](hid_t dataset) {
      return H5Dwrite(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data());
    });
  }

  // Table columns of text: fixed-length, null-padded UTF-8 strings, as wide as the longest
  // value, chunked and compressed like numeric columns (variable-length strings live in the
  // global heap, uncompressed, at 16+ bytes each). `_Encoding = "utf-8"` is the netCDF/CF
  // convention that makes xarray decode them to str; h5py users call .asstr().
  DatasetHandle write_fixed_strings(DatasetSpec spec, std::span<const std::string> values) {
    size_t width = 1;
    for (const std::string& value : values) width = std::max(width, value.size());
    std::vector<char> buffer(values.size() * width, '\0');
    for (size_t i = 0; i < values.size(); ++i)
      std::memcpy(buffer.data() + i * width, values[i].data(), values[i].size());
    const std::string path = detail::join_path(spec.group, spec.name);
    const auto type = make<DatatypeHandle>(H5Tcopy(H5T_C_S1), "copy string datatype for", path);
    check(H5Tset_size(type.get(), width), "set the string width of", path);
    check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set UTF-8 for", path);
    check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "set null padding for", path);
    spec.chunk = column_chunk(values.size(), width);
    DatasetHandle dataset = create_dataset(spec, type.get(), [&](hid_t id) {
      if (spec.chunk.empty() || deflate_level == 0) {
        return H5Dwrite(id, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
      }
      return write_compressed_chunks(id, spec, std::as_bytes(std::span<const char>(buffer)), width);
    });
    write_attribute(dataset.get(), path, "_Encoding", std::string("utf-8"));
    return dataset;
  }

  // Makes a 1-D dataset written by write_numeric/write_strings a dimension scale named
  // after itself (the netCDF-4 coordinate variable convention).
  static void make_scale(const DatasetHandle& dataset, const std::string& group, const std::string& name) {
    const std::string path = detail::join_path(group, name);
    check(H5DSset_scale(dataset.get(), name.c_str()), "make a dimension scale of", path);
  }

  const SeriesGroup& series_group(const std::string& canonical) const {
    const auto it = series_groups.find(canonical);
    if (it == series_groups.end()) {
      throw H5Error("HDF5: '" + canonical + "' is not a series group of this file (call add_series_group first)",
                    canonical);
    }
    return it->second;
  }

  const Table& table(const std::string& canonical) const {
    const auto it = tables.find(canonical);
    if (it == tables.end()) {
      throw H5Error("HDF5: '" + canonical + "' is not a table of this file (call add_table first)", canonical);
    }
    return it->second;
  }

  void require_new_group(const std::string& canonical) const {
    if (series_groups.contains(canonical) || tables.contains(canonical)) {
      throw H5Error("HDF5: group '" + canonical + "' was already added", canonical);
    }
  }

  template <class T>
  void series(const std::string& group, const std::string& name, std::span<const T> data, const std::string& units,
              const std::string& description, const PrecompressedSeries* precompressed) {
    require_open();
    const std::string canonical = detail::normalize_path(group);
    const SeriesGroup& info = series_group(canonical);
    const std::string path = detail::join_path(canonical, name);
    const hsize_t expected = info.n_hours * info.n_entities;
    if (data.size() != expected) {
      throw H5Error("HDF5: series '" + path + "' has " + std::to_string(data.size()) + " values, expected " +
                        std::to_string(info.n_hours) + " hours x " + std::to_string(info.n_entities) + " " +
                        info.entity_dim + " = " + std::to_string(expected),
                    path);
    }
    DatasetSpec spec{canonical, name,       {info.n_hours, info.n_entities}, {}, {kHourDim, info.entity_dim},
                     units,     description};
    spec.chunk = time_chunk(spec.dims, sizeof(T));
    write_numeric(spec, data, precompressed);
  }

  void check_length(const std::string& path, size_t size, hsize_t expected, const std::string& dim) const {
    if (size != expected) {
      throw H5Error("HDF5: '" + path + "' has " + std::to_string(size) + " values, expected one per " + dim + " (" +
                        std::to_string(expected) + ")",
                    path);
    }
  }

  template <class T>
  void entity_column(const std::string& group, const std::string& name, std::span<const T> values,
                     const std::string& units, const std::string& description) {
    require_open();
    const std::string canonical = detail::normalize_path(group);
    const SeriesGroup& info = series_group(canonical);
    check_length(detail::join_path(canonical, name), values.size(), info.n_entities, info.entity_dim);
    DatasetSpec spec{canonical, name, {info.n_entities}, {}, {info.entity_dim}, units, description};
    if constexpr (std::is_same_v<T, std::string>) {
      write_strings(spec, values);
    } else {
      spec.chunk = column_chunk(info.n_entities, sizeof(T));
      write_numeric(spec, values);
    }
  }

  template <class T>
  void add_table(const std::string& group, const std::string& row_dim, std::span<const T> keys,
                 const std::string& units, const std::string& description) {
    require_open();
    const std::string canonical = detail::normalize_path(group);
    require_new_group(canonical);
    if (row_dim.empty() || row_dim.find('/') != std::string::npos) {
      throw H5Error("HDF5: bad row dimension name '" + row_dim + "' for table '" + canonical + "'", canonical);
    }
    require_unique(keys, row_dim + " key", canonical);
    open_or_create_group(canonical);
    const hsize_t n = keys.size();
    const std::string text = description.empty() ? row_dim + " key of each row" : description;
    DatasetSpec spec{canonical, row_dim, {n}, {}, {}, units, text};
    DatasetHandle dataset;
    if constexpr (std::is_same_v<T, std::string>) {
      dataset = write_strings(spec, keys);
    } else {
      spec.chunk = column_chunk(n, sizeof(T));
      dataset = write_numeric(spec, keys);
    }
    make_scale(dataset, canonical, row_dim);
    tables[canonical] = Table{row_dim, n};
  }

  template <class T>
  void column(const std::string& group, const std::string& name, std::span<const T> values, const std::string& units,
              const std::string& description) {
    require_open();
    const std::string canonical = detail::normalize_path(group);
    const Table& info = table(canonical);
    check_length(detail::join_path(canonical, name), values.size(), info.n_rows, info.row_dim);
    DatasetSpec spec{canonical, name, {info.n_rows}, {}, {info.row_dim}, units, description};
    if constexpr (std::is_same_v<T, std::string>) {
      write_fixed_strings(spec, values);
    } else {
      spec.chunk = column_chunk(info.n_rows, sizeof(T));
      write_numeric(spec, values);
    }
  }

  // Closes the file without committing and removes the temporary file. Never throws. What
  // HDF5 still holds for the file is discarded rather than written (h5_file_driver.hpp), so
  // the close succeeds even after a failed write.
  void abandon() noexcept {
    if (committed) return;
    write_state.discard = true;
    if (file.valid() && file.close() < 0) detail::take_error_stack();
    std::error_code ignored;
    std::filesystem::remove(temp_path, ignored);
  }
};

RunFileWriter::RunFileWriter(std::string final_path, int deflate_level) : impl_(std::make_unique<Impl>()) {
  detail::silence_hdf5_errors();
  if (deflate_level < 0 || deflate_level > kMaxDeflateLevel) {
    throw H5Error("HDF5: deflate level must be 0 to 9, got " + std::to_string(deflate_level), final_path);
  }
  if (final_path.empty()) throw H5Error("HDF5: output path is empty");
  impl_->final_path = std::move(final_path);
  impl_->temp_path = temporary_path(impl_->final_path);
  impl_->deflate_level = static_cast<unsigned>(deflate_level);

  // a failed create may have made the temporary file: no destructor runs to remove it
  struct RemoveOnFailure {
    Impl* impl;
    ~RemoveOnFailure() {
      if (impl != nullptr) impl->abandon();
    }
  } remove_on_failure{impl_.get()};
  impl_->guarded([&] {
    const std::string& temp = impl_->temp_path;
    auto fcpl = make<PropertyListHandle>(H5Pcreate(H5P_FILE_CREATE), "create file properties for", temp);
    set_group_creation_properties(fcpl.get(), temp);
    const PropertyListHandle fapl = detail::make_writer_file_access_properties(temp, &impl_->write_state);
    // Closing the file closes anything still open in it, so an abandoned writer releases all.
    check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "set close degree for", temp);
    impl_->file = make<FileHandle>(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), "create file", temp);
  });
  remove_on_failure.impl = nullptr;
}

RunFileWriter::~RunFileWriter() {
  if (impl_) impl_->abandon();
}

RunFileWriter::RunFileWriter(RunFileWriter&&) noexcept = default;

RunFileWriter& RunFileWriter::operator=(RunFileWriter&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->abandon();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void RunFileWriter::set_attribute(const std::string& object_path, const std::string& name, const Attribute& value) {
  impl_->guarded([&] {
    impl_->require_open();
    const std::string canonical = detail::normalize_path(object_path);
    if (canonical == "/" || detail::path_exists(impl_->file.get(), canonical)) {
      const auto object =
          make<ObjectHandle>(H5Oopen(impl_->file.get(), canonical.c_str(), H5P_DEFAULT), "open", canonical);
      write_attribute(object.get(), canonical, name, value);
      return;
    }
    const GroupHandle group = impl_->open_or_create_group(canonical);
    write_attribute(group.get(), canonical, name, value);
  });
}

void RunFileWriter::add_series_group(const std::string& group, std::span<const int64_t> hour_epoch_s,
                                     const std::string& entity_dim, std::span<const std::string> entity_names) {
  impl_->guarded([&] {
    impl_->require_open();
    const std::string canonical = detail::normalize_path(group);
    impl_->require_new_group(canonical);
    if (entity_dim.empty() || entity_dim == kHourDim || entity_dim.find('/') != std::string::npos) {
      throw H5Error("HDF5: bad entity dimension name '" + entity_dim + "' for series group '" + canonical + "'",
                    canonical);
    }
    for (size_t i = 1; i < hour_epoch_s.size(); ++i) {
      if (hour_epoch_s[i] <= hour_epoch_s[i - 1]) {
        throw H5Error(
            "HDF5: hours of series group '" + canonical + "' are not increasing at index " + std::to_string(i),
            canonical);
      }
    }
    require_unique(entity_names, entity_dim + " name", canonical);
    impl_->open_or_create_group(canonical);

    const hsize_t n_hours = hour_epoch_s.size();
    DatasetSpec hour_spec{canonical,
                          kHourDim,
                          {n_hours},
                          column_chunk(n_hours, sizeof(int64_t)),
                          {},
                          kHourUnits,
                          "start of the hour (UTC)"};
    const DatasetHandle hour = impl_->write_numeric(hour_spec, hour_epoch_s);
    write_attribute(hour.get(), detail::join_path(canonical, kHourDim), "calendar", std::string(kHourCalendar));
    Impl::make_scale(hour, canonical, kHourDim);

    const hsize_t n_entities = entity_names.size();
    DatasetSpec entity_spec{canonical, entity_dim, {n_entities}, {}, {}, "", entity_dim + " name"};
    const DatasetHandle entities = impl_->write_strings(entity_spec, entity_names);
    Impl::make_scale(entities, canonical, entity_dim);

    impl_->series_groups[canonical] = SeriesGroup{n_hours, entity_dim, n_entities};
  });
}

void RunFileWriter::write_series(const std::string& group, const std::string& name, std::span<const double> data,
                                 const std::string& units, const std::string& description,
                                 const PrecompressedSeries* precompressed) {
  impl_->guarded([&] { impl_->series(group, name, data, units, description, precompressed); });
}

void RunFileWriter::write_series(const std::string& group, const std::string& name, std::span<const int64_t> data,
                                 const std::string& units, const std::string& description,
                                 const PrecompressedSeries* precompressed) {
  impl_->guarded([&] { impl_->series(group, name, data, units, description, precompressed); });
}

void RunFileWriter::write_entity_column(const std::string& group, const std::string& name,
                                        std::span<const std::string> values, const std::string& units,
                                        const std::string& description) {
  impl_->guarded([&] { impl_->entity_column(group, name, values, units, description); });
}

void RunFileWriter::write_entity_column(const std::string& group, const std::string& name,
                                        std::span<const double> values, const std::string& units,
                                        const std::string& description) {
  impl_->guarded([&] { impl_->entity_column(group, name, values, units, description); });
}

void RunFileWriter::write_entity_column(const std::string& group, const std::string& name,
                                        std::span<const int64_t> values, const std::string& units,
                                        const std::string& description) {
  impl_->guarded([&] { impl_->entity_column(group, name, values, units, description); });
}

void RunFileWriter::add_table(const std::string& group, const std::string& row_dim, std::span<const int64_t> keys,
                              const std::string& units, const std::string& description) {
  impl_->guarded([&] { impl_->add_table(group, row_dim, keys, units, description); });
}

void RunFileWriter::add_table(const std::string& group, const std::string& row_dim, std::span<const std::string> keys,
                              const std::string& units, const std::string& description) {
  impl_->guarded([&] { impl_->add_table(group, row_dim, keys, units, description); });
}

void RunFileWriter::write_column(const std::string& group, const std::string& name, std::span<const int64_t> values,
                                 const std::string& units, const std::string& description) {
  impl_->guarded([&] { impl_->column(group, name, values, units, description); });
}

void RunFileWriter::write_column(const std::string& group, const std::string& name, std::span<const double> values,
                                 const std::string& units, const std::string& description) {
  impl_->guarded([&] { impl_->column(group, name, values, units, description); });
}

void RunFileWriter::write_column(const std::string& group, const std::string& name, std::span<const std::string> values,
                                 const std::string& units, const std::string& description) {
  impl_->guarded([&] { impl_->column(group, name, values, units, description); });
}

void RunFileWriter::commit() {
  impl_->guarded([&] {
    impl_->require_open();
    const std::string& temp = impl_->temp_path;
    {
      const auto root = make<ObjectHandle>(H5Oopen(impl_->file.get(), "/", H5P_DEFAULT), "open", "/");
      write_attribute(root.get(), "/", "complete", int64_t{1});
    }
    check(H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL), "flush file", temp);
    impl_->throw_write_failure();
    check(impl_->file.close(), "close file", temp);
    impl_->throw_write_failure();  // the close wrote what was left, and closed the descriptor
    if (std::rename(temp.c_str(), impl_->final_path.c_str()) != 0) {
      const int error = errno;
      throw H5Error("cannot rename '" + temp + "' to '" + impl_->final_path + "': " + std::strerror(error),
                    impl_->final_path);
    }
    impl_->committed = true;
  });
}

void RunFileWriter::set_compression_threads(unsigned threads) {
  impl_->compression_threads = threads;
}

const std::string& RunFileWriter::final_path() const {
  return impl_->final_path;
}

const std::string& RunFileWriter::temp_path() const {
  return impl_->temp_path;
}

bool RunFileWriter::committed() const {
  return impl_->committed;
}

int64_t open_hdf5_file_count() {
  detail::silence_hdf5_errors();
  const ssize_t count = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE);
  return count < 0 ? -1 : static_cast<int64_t>(count);
}

bool hdf5_is_threadsafe() {
  hbool_t threadsafe = 0;
  return H5is_library_threadsafe(&threadsafe) >= 0 && threadsafe != 0;
}

}  // namespace fleetsim::output
