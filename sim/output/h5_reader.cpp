#include "output/h5_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

#include "output/h5_handles.hpp"

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

// Frees the strings HDF5 allocated for a variable-length string read.
class VlenStrings {
 public:
  explicit VlenStrings(size_t count) : pointers_(count, nullptr) {}
  VlenStrings(const VlenStrings&) = delete;
  VlenStrings& operator=(const VlenStrings&) = delete;
  ~VlenStrings() {
    for (char* pointer : pointers_) {
      if (pointer != nullptr) H5free_memory(pointer);
    }
  }
  void* data() { return pointers_.data(); }
  std::vector<std::string> strings() const {
    std::vector<std::string> out;
    out.reserve(pointers_.size());
    for (const char* pointer : pointers_) out.emplace_back(pointer != nullptr ? pointer : "");
    return out;
  }

 private:
  std::vector<char*> pointers_;
};

// The memory type to read strings of file type file_type: variable-length strings as
// char*, fixed-length strings as they are stored.
DatatypeHandle string_memory_type(hid_t file_type, bool variable, const std::string& path) {
  if (!variable) return make<DatatypeHandle>(H5Tcopy(file_type), "copy the string type of", path);
  auto type = make<DatatypeHandle>(H5Tcopy(H5T_C_S1), "copy string datatype for", path);
  check(H5Tset_size(type.get(), H5T_VARIABLE), "make variable-length string type for", path);
  const H5T_cset_t cset = H5Tget_cset(file_type);
  if (cset < 0) detail::throw_h5_error("get the character set of", path);
  check(H5Tset_cset(type.get(), cset), "set the character set for", path);
  return type;
}

// Splits count fixed-length strings of size bytes each, dropping the padding.
std::vector<std::string> split_fixed_strings(const std::vector<char>& buffer, size_t count, size_t size,
                                             H5T_str_t padding) {
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::string value(buffer.data() + i * size, size);
    if (padding == H5T_STR_SPACEPAD) {
      value.erase(value.find_last_not_of(' ') + 1);
    } else {
      const size_t end = value.find('\0');
      if (end != std::string::npos) value.erase(end);
    }
    out.push_back(std::move(value));
  }
  return out;
}

// Reads count strings through read(memory_type, buffer) (an H5Aread or H5Dread).
template <class Read>
std::vector<std::string> read_string_values(hid_t file_type, size_t count, const std::string& path, Read&& read) {
  const htri_t variable = H5Tis_variable_str(file_type);
  if (variable < 0) detail::throw_h5_error("inspect the string type of", path);
  const DatatypeHandle memory_type = string_memory_type(file_type, variable > 0, path);
  if (variable > 0) {
    VlenStrings strings(count);
    if (count > 0) check(read(memory_type.get(), strings.data()), "read strings of", path);
    return strings.strings();
  }
  const size_t size = H5Tget_size(file_type);
  if (size == 0) detail::throw_h5_error("get the string size of", path);
  const H5T_str_t padding = H5Tget_strpad(file_type);
  std::vector<char> buffer(count * size);
  if (count > 0) check(read(memory_type.get(), buffer.data()), "read strings of", path);
  return split_fixed_strings(buffer, count, size, padding);
}

size_t point_count(hid_t space, const std::string& path) {
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) detail::throw_h5_error("get the size of", path);
  return static_cast<size_t>(points);
}

// A read is refused when its values would take more memory than the file could hold once
// decompressed: deflate expands at most 1032:1 (zlib technical details, "maximum compression
// factor"), so kMaxExpansion x the file size, plus kMinReadBytes for small files, and never
// more than the machine's memory. A crafted 4 KB file that declares a 16 GB dataset is an
// error, not a 16 GB allocation.
constexpr uint64_t kMaxExpansion = 1100;
constexpr uint64_t kMinReadBytes = uint64_t{16} << 20;

uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

uint64_t max_read_bytes(uint64_t file_size) {
  const uint64_t by_file = file_size > (std::numeric_limits<uint64_t>::max() - kMinReadBytes) / kMaxExpansion
                               ? std::numeric_limits<uint64_t>::max()
                               : file_size * kMaxExpansion + kMinReadBytes;
  return std::min(by_file, physical_memory_bytes());
}

// Collects names for H5Aiterate2.
herr_t collect_attribute_name(hid_t /*location*/, const char* name, const H5A_info_t* /*info*/, void* names) {
  static_cast<std::vector<std::string>*>(names)->emplace_back(name);
  return 0;
}

}  // namespace

struct RunFileReader::Impl {
  std::string path;
  FileHandle file;
  uint64_t file_bytes = 0;
  uint64_t max_read = 0;  // max_read_bytes(file_bytes)

  // Throws unless `count` values of `element_bytes` each may be read (see max_read_bytes).
  void check_read_size(const std::string& object, uint64_t count, uint64_t element_bytes) const {
    if (element_bytes != 0 && count > max_read / element_bytes) {
      throw H5Error("HDF5: '" + object + "' claims " + std::to_string(count) + " values of " +
                        std::to_string(element_bytes) + " bytes, more than a file of " + std::to_string(file_bytes) +
                        " bytes can hold (a damaged or crafted file)",
                    object);
    }
  }

  std::string canonical(const std::string& object_path) const {
    detail::silence_hdf5_errors();
    return detail::normalize_path(object_path);
  }

  ObjectHandle open_object(const std::string& canonical_path) const {
    return make<ObjectHandle>(H5Oopen(file.get(), canonical_path.c_str(), H5P_DEFAULT), "open", canonical_path);
  }

  DatasetHandle open_dataset(const std::string& dataset_path) const {
    const std::string name = canonical(dataset_path);
    return make<DatasetHandle>(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), "open dataset", name);
  }

  // Reads a whole numeric dataset converted to memory_type; only the type classes in
  // allowed are accepted (HDF5 would otherwise convert floats to ints by truncation).
  template <class T>
  std::vector<T> read_numeric(const std::string& dataset_path, hid_t memory_type, bool allow_float) const {
    const std::string name = canonical(dataset_path);
    const DatasetHandle dataset = open_dataset(name);
    const auto type = make<DatatypeHandle>(H5Dget_type(dataset.get()), "get the type of", name);
    const H5T_class_t type_class = H5Tget_class(type.get());
    if (type_class != H5T_INTEGER && !(allow_float && type_class == H5T_FLOAT)) {
      throw H5Error(
          std::string("HDF5: dataset '") + name + "' is not " + (allow_float ? "numeric" : "an integer dataset"), name);
    }
    const auto space = make<DataspaceHandle>(H5Dget_space(dataset.get()), "get the dataspace of", name);
    const size_t count = point_count(space.get(), name);
    check_read_size(name, count, sizeof(T));
    std::vector<T> values(count);
    if (!values.empty()) {
      check(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "read dataset", name);
    }
    return values;
  }
};

RunFileReader::RunFileReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  detail::silence_hdf5_errors();
  impl_->path = path;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    throw H5Error("HDF5: cannot open '" + path + "': no such file", path);
  }
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 == 0) throw H5Error("HDF5: '" + path + "' is not an HDF5 file", path);
  if (is_hdf5 < 0) detail::throw_h5_error("read file", path);
  const PropertyListHandle fapl = detail::make_file_access_properties(path);
  impl_->file = make<FileHandle>(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), "open file", path);
  impl_->file_bytes = static_cast<uint64_t>(std::filesystem::file_size(path, error));
  if (error) impl_->file_bytes = 0;
  impl_->max_read = max_read_bytes(impl_->file_bytes);
}

RunFileReader::~RunFileReader() = default;
RunFileReader::RunFileReader(RunFileReader&&) noexcept = default;
RunFileReader& RunFileReader::operator=(RunFileReader&&) noexcept = default;

const std::string& RunFileReader::path() const {
  return impl_->path;
}

bool RunFileReader::exists(const std::string& object_path) const {
  return detail::path_exists(impl_->file.get(), impl_->canonical(object_path));
}

std::optional<Attribute> RunFileReader::attribute(const std::string& object_path, const std::string& name) const {
  const std::string object_name = impl_->canonical(object_path);
  if (!detail::path_exists(impl_->file.get(), object_name)) return std::nullopt;
  const ObjectHandle object = impl_->open_object(object_name);
  const std::string what = "attribute '" + name + "' of";
  if (!check_bool(H5Aexists(object.get(), name.c_str()), "look up " + what, object_name)) return std::nullopt;
  const auto attr =
      make<AttributeHandle>(H5Aopen(object.get(), name.c_str(), H5P_DEFAULT), "open " + what, object_name);
  const auto space = make<DataspaceHandle>(H5Aget_space(attr.get()), "get the dataspace of " + what, object_name);
  if (point_count(space.get(), object_name) != 1) return std::nullopt;
  const auto type = make<DatatypeHandle>(H5Aget_type(attr.get()), "get the type of " + what, object_name);
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      int64_t value = 0;
      check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), "read " + what, object_name);
      return Attribute{value};
    }
    case H5T_FLOAT: {
      double value = 0.0;
      check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "read " + what, object_name);
      return Attribute{value};
    }
    case H5T_STRING: {
      impl_->check_read_size(object_name + " attribute " + name, 1, H5Tget_size(type.get()));
      std::vector<std::string> values =
          read_string_values(type.get(), 1, object_name,
                             [&](hid_t memory_type, void* buffer) { return H5Aread(attr.get(), memory_type, buffer); });
      return Attribute{std::move(values.front())};
    }
    default:
      return std::nullopt;
  }
}

std::vector<std::string> RunFileReader::attribute_names(const std::string& object_path) const {
  const std::string object_name = impl_->canonical(object_path);
  const ObjectHandle object = impl_->open_object(object_name);
  PropertyListHandle plist;
  switch (H5Iget_type(object.get())) {
    case H5I_GROUP:
      plist =
          make<PropertyListHandle>(H5Gget_create_plist(object.get()), "get the creation properties of", object_name);
      break;
    case H5I_DATASET:
      plist =
          make<PropertyListHandle>(H5Dget_create_plist(object.get()), "get the creation properties of", object_name);
      break;
    default:
      break;
  }
  unsigned order_flags = 0;
  if (plist.valid()) {
    check(H5Pget_attr_creation_order(plist.get(), &order_flags), "get the attribute order of", object_name);
  }
  const H5_index_t index = (order_flags & H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  check(H5Aiterate2(object.get(), index, H5_ITER_INC, nullptr, collect_attribute_name, &names),
        "list the attributes of", object_name);
  return names;
}

std::vector<std::string> RunFileReader::member_names(const std::string& group_path) const {
  const std::string group_name = impl_->canonical(group_path);
  const auto group =
      make<GroupHandle>(H5Gopen2(impl_->file.get(), group_name.c_str(), H5P_DEFAULT), "open group", group_name);
  const auto plist =
      make<PropertyListHandle>(H5Gget_create_plist(group.get()), "get the creation properties of", group_name);
  unsigned order_flags = 0;
  check(H5Pget_link_creation_order(plist.get(), &order_flags), "get the link order of", group_name);
  const H5_index_t index = (order_flags & H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  H5G_info_t info{};
  check(H5Gget_info(group.get(), &info), "get the members of", group_name);
  impl_->check_read_size(group_name + " links", info.nlinks, 1);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t length = H5Lget_name_by_idx(group.get(), ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (length < 0) detail::throw_h5_error("get a member name of", group_name);
    impl_->check_read_size(group_name + " link name", static_cast<uint64_t>(length), 1);
    std::string name(static_cast<size_t>(length) + 1, '\0');
    if (H5Lget_name_by_idx(group.get(), ".", index, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT) < 0) {
      detail::throw_h5_error("get a member name of", group_name);
    }
    name.resize(static_cast<size_t>(length));
    names.push_back(std::move(name));
  }
  return names;
}

bool RunFileReader::is_group(const std::string& object_path) const {
  const std::string object_name = impl_->canonical(object_path);
  const ObjectHandle object = impl_->open_object(object_name);
  return H5Iget_type(object.get()) == H5I_GROUP;
}

std::vector<size_t> RunFileReader::shape(const std::string& dataset_path) const {
  const std::string name = impl_->canonical(dataset_path);
  const DatasetHandle dataset = impl_->open_dataset(name);
  const auto space = make<DataspaceHandle>(H5Dget_space(dataset.get()), "get the dataspace of", name);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) detail::throw_h5_error("get the rank of", name);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "get the extent of", name);
  return {dims.begin(), dims.end()};
}

std::vector<size_t> RunFileReader::chunk_shape(const std::string& dataset_path) const {
  const std::string name = impl_->canonical(dataset_path);
  const DatasetHandle dataset = impl_->open_dataset(name);
  const auto dcpl =
      make<PropertyListHandle>(H5Dget_create_plist(dataset.get()), "get the creation properties of", name);
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return {};
  const int rank = H5Pget_chunk(dcpl.get(), 0, nullptr);
  if (rank < 0) detail::throw_h5_error("get the chunk rank of", name);
  std::vector<hsize_t> chunk(static_cast<size_t>(rank));
  if (H5Pget_chunk(dcpl.get(), rank, chunk.data()) < 0) detail::throw_h5_error("get the chunk extent of", name);
  return {chunk.begin(), chunk.end()};
}

std::vector<double> RunFileReader::read_doubles(const std::string& dataset_path) const {
  return impl_->read_numeric<double>(dataset_path, H5T_NATIVE_DOUBLE, true);
}

std::vector<int64_t> RunFileReader::read_int64(const std::string& dataset_path) const {
  return impl_->read_numeric<int64_t>(dataset_path, H5T_NATIVE_INT64, false);
}

std::vector<std::string> RunFileReader::read_strings(const std::string& dataset_path) const {
  const std::string name = impl_->canonical(dataset_path);
  const DatasetHandle dataset = impl_->open_dataset(name);
  const auto type = make<DatatypeHandle>(H5Dget_type(dataset.get()), "get the type of", name);
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw H5Error("HDF5: dataset '" + name + "' is not a string dataset", name);
  const auto space = make<DataspaceHandle>(H5Dget_space(dataset.get()), "get the dataspace of", name);
  const size_t count = point_count(space.get(), name);
  const htri_t variable = H5Tis_variable_str(type.get());
  impl_->check_read_size(name, count, variable > 0 ? sizeof(char*) : H5Tget_size(type.get()));
  return read_string_values(type.get(), count, name, [&](hid_t memory_type, void* buffer) {
    return H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
  });
}

}  // namespace fleetsim::output
