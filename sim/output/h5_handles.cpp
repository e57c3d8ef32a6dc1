#include "output/h5_handles.hpp"

#include <array>

namespace fleetsim::output {

H5Error::H5Error(const std::string& message, std::string object_path, std::string error_stack)
    : core::SimulationError(message), object_path_(std::move(object_path)), error_stack_(std::move(error_stack)) {}

namespace detail {

namespace {

constexpr size_t kMessageBufferSize = 256;
// The cause in a message is cut to this many bytes (HDF5's descriptions of system errors
// list the whole call: file name, descriptor, buffer address, sizes, offset).
constexpr size_t kMaxCauseBytes = 160;

// One printable line of at most kMaxCauseBytes from an HDF5 error description: the system's
// message when the description quotes one ("..., error message = 'File too large', ...").
std::string short_cause(std::string text) {
  const std::string quoted = "error message = '";
  const size_t begin = text.find(quoted);
  if (begin != std::string::npos) {
    const size_t end = text.find('\'', begin + quoted.size());
    if (end != std::string::npos) text = text.substr(begin + quoted.size(), end - begin - quoted.size());
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  const size_t first = text.find_first_not_of(' ');
  text = first == std::string::npos ? std::string() : text.substr(first, text.find_last_not_of(' ') - first + 1);
  if (text.size() > kMaxCauseBytes) text = text.substr(0, kMaxCauseBytes) + "...";
  return text;
}

// What take_error_stack collects while walking a stack outermost call first.
struct StackWalk {
  ErrorStack stack;
  std::string innermost_minor;
};

// H5Ewalk2 callback: appends one stack entry in the layout of HDF5's own error printer.
herr_t append_error_entry(unsigned index, const H5E_error2_t* entry, void* client_data) {
  auto* walk = static_cast<StackWalk*>(client_data);
  std::string* text = &walk->stack.text;
  std::array<char, kMessageBufferSize> major{};
  std::array<char, kMessageBufferSize> minor{};
  if (H5Eget_msg(entry->maj_num, nullptr, major.data(), major.size()) < 0) major[0] = '\0';
  if (H5Eget_msg(entry->min_num, nullptr, minor.data(), minor.size()) < 0) minor[0] = '\0';
  std::string number = std::to_string(index);
  if (number.size() < 3) number.insert(0, 3 - number.size(), '0');
  *text += "  #" + number + ": " + (entry->file_name ? entry->file_name : "?") + " line " +
           std::to_string(entry->line) + " in " + (entry->func_name ? entry->func_name : "?") +
           "(): " + (entry->desc ? entry->desc : "") + "\n    major: " + major.data() + "\n    minor: " + minor.data() +
           "\n";
  // walked outermost first: the last entry is the innermost, the closest to the cause
  walk->stack.cause = entry->desc ? entry->desc : "";
  walk->innermost_minor = minor.data();
  return 0;
}

}  // namespace

void silence_hdf5_errors() {
  // before any call that initialises the library, so that it never registers its handler
  static const bool no_exit_handler = [] { return H5dont_atexit() >= 0; }();
  (void)no_exit_handler;
  thread_local bool silenced = false;
  if (silenced) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  silenced = true;
}

ErrorStack take_error_stack() {
  // H5Eget_current_stack copies the thread's stack and clears it.
  const hid_t stack = H5Eget_current_stack();
  if (stack < 0) return {};
  StackWalk walk;
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, append_error_entry, &walk);
  H5Eclose_stack(stack);
  walk.stack.cause = short_cause(walk.stack.cause.empty() ? walk.innermost_minor : walk.stack.cause);
  return walk.stack;
}

void throw_h5_error(std::string_view action, std::string_view object_path) {
  std::string message = "HDF5: cannot ";
  message += action;
  if (!object_path.empty()) {
    message += " '";
    message += object_path;
    message += "'";
  }
  ErrorStack stack = take_error_stack();
  if (!stack.cause.empty()) message += ": " + stack.cause;
  throw H5Error(message, std::string(object_path), std::move(stack.text));
}

std::string join_path(const std::string& group, const std::string& name) {
  if (group.empty() || group.back() == '/') return group + name;
  return group + "/" + name;
}

std::string normalize_path(const std::string& path) {
  if (path.empty()) throw H5Error("HDF5 object path is empty");
  std::string canonical;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
    if (end == std::string::npos) end = path.size();
    const std::string component = path.substr(begin, end - begin);
    if (component == "." || component == "..") {
      throw H5Error("HDF5 object path '" + path + "' has a '" + component + "' component", path);
    }
    if (!component.empty()) canonical += "/" + component;
    begin = end + 1;
  }
  return canonical.empty() ? "/" : canonical;
}

std::vector<std::string> split_path(const std::string& canonical_path) {
  std::vector<std::string> components;
  size_t begin = 1;
  while (begin < canonical_path.size()) {
    size_t end = canonical_path.find('/', begin);
    if (end == std::string::npos) end = canonical_path.size();
    components.push_back(canonical_path.substr(begin, end - begin));
    begin = end + 1;
  }
  return components;
}

bool path_exists(hid_t loc, const std::string& canonical_path) {
  // H5Lexists fails (rather than answering false) when an intermediate link is missing, so
  // the path is checked one prefix at a time.
  std::string prefix;
  for (const std::string& component : split_path(canonical_path)) {
    prefix += "/" + component;
    if (!check_bool(H5Lexists(loc, prefix.c_str(), H5P_DEFAULT), "look up", prefix)) return false;
  }
  return true;
}

PropertyListHandle make_file_access_properties(const std::string& path) {
  auto fapl = make<PropertyListHandle>(H5Pcreate(H5P_FILE_ACCESS), "create file access properties for", path);
#if H5_VERSION_GE(1, 12, 1) || (H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7)
  check(H5Pset_file_locking(fapl.get(), true, true), "set file locking for", path);
#endif
  return fapl;
}

DatatypeHandle make_vlen_utf8_type() {
  auto type = make<DatatypeHandle>(H5Tcopy(H5T_C_S1), "copy string datatype", "");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "make variable-length string datatype", "");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "set UTF-8 on string datatype", "");
  return type;
}

}  // namespace detail
}  // namespace fleetsim::output
