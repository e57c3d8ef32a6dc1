#include "cli/command.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "scenario/schema.hpp"

namespace po = boost::program_options;

namespace fleetsim::cli {

namespace {

// Help is wrapped to this many columns; the option column is at most kLabelColumns wide.
constexpr size_t kHelpColumns = 100;
constexpr size_t kLabelColumns = 26;

std::string shortest_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// `text` wrapped to `width` columns, every line but the first indented by `indent` spaces.
std::string wrapped(const std::string& text, size_t indent, size_t width) {
  std::string out;
  std::string line;
  std::istringstream words(text);
  std::string word;
  size_t column = indent;
  while (words >> word) {
    if (!line.empty() && column + 1 + word.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
      column = indent;
    }
    if (!line.empty()) {
      line += ' ';
      ++column;
    }
    line += word;
    column += word.size();
  }
  return out + line;
}

}  // namespace

std::vector<std::string> paragraphs(const std::string& text) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from <= text.size()) {
    const size_t blank = text.find("\n\n", from);
    const size_t end = blank == std::string::npos ? text.size() : blank;
    if (end > from) out.push_back(text.substr(from, end - from));
    if (blank == std::string::npos) break;
    from = blank + 2;
  }
  return out;
}

std::string Arguments::text(const std::string& name) const {
  return has(name) ? vm_[name].as<std::string>() : std::string();
}

int Arguments::integer(const std::string& name) const {
  return has(name) ? vm_[name].as<int>() : 0;
}

double Arguments::number(const std::string& name) const {
  return has(name) ? vm_[name].as<double>() : std::nan("");
}

std::vector<std::string> Arguments::texts(const std::string& name) const {
  return has(name) ? vm_[name].as<std::vector<std::string>>() : std::vector<std::string>();
}

std::vector<double> Arguments::numbers(const std::string& name) const {
  return has(name) ? vm_[name].as<std::vector<double>>() : std::vector<double>();
}

Command::Command(std::string name, std::string synopsis, std::string summary, std::string description)
    : name_(std::move(name)),
      synopsis_(std::move(synopsis)),
      summary_(std::move(summary)),
      description_(std::move(description)),
      options_(std::make_shared<po::options_description>()) {
  OptionSpec help;
  help.name = "help";
  help.short_name = 'h';
  help.description = "show this help and exit";
  specs_.push_back(help);
  options_->add_options()("help,h", "");
}

Command& Command::add(OptionSpec spec, po::value_semantic* semantic) {
  const std::string po_name = spec.name + (spec.short_name ? std::string(",") + spec.short_name : "");
  options_->add(boost::shared_ptr<po::option_description>(new po::option_description(po_name.c_str(), semantic, "")));
  if (spec.positional) {
    positional_.add(spec.name.c_str(), spec.repeatable ? -1 : 1);
    size_t at = 0;
    while (at < specs_.size() && specs_[at].positional) ++at;
    specs_.insert(specs_.begin() + static_cast<std::ptrdiff_t>(at), std::move(spec));
    last_ = at;
  } else {
    specs_.insert(specs_.end() - 1, std::move(spec));  // --help stays last
    last_ = specs_.size() - 2;
  }
  return *this;
}

namespace {

OptionSpec spec_of(const std::string& names, const std::string& placeholder, const std::string& description) {
  OptionSpec spec;
  const size_t comma = names.find(',');
  spec.name = names.substr(0, comma);
  if (comma != std::string::npos) spec.short_name = names.at(comma + 1);
  spec.placeholder = placeholder;
  spec.description = description;
  return spec;
}

}  // namespace

Command& Command::argument(const std::string& name, const std::string& placeholder, const std::string& description,
                           Completion completion) {
  OptionSpec spec = spec_of(name, placeholder, description);
  spec.positional = true;
  spec.completion = completion;
  return add(std::move(spec), po::value<std::string>());
}

Command& Command::flag(const std::string& names, const std::string& description) {
  return add(spec_of(names, "", description), po::bool_switch());
}

Command& Command::text(const std::string& names, const std::string& placeholder, const std::string& description,
                       Completion completion) {
  OptionSpec spec = spec_of(names, placeholder, description);
  spec.completion = completion;
  return add(std::move(spec), po::value<std::string>());
}

Command& Command::integer(const std::string& names, const std::string& placeholder, const std::string& description,
                          std::optional<int> default_value) {
  OptionSpec spec = spec_of(names, placeholder, description);
  auto* semantic = po::value<int>();
  if (default_value) {
    semantic->default_value(*default_value);
    spec.default_text = std::to_string(*default_value);
  }
  return add(std::move(spec), semantic);
}

Command& Command::number(const std::string& names, const std::string& placeholder, const std::string& description,
                         std::optional<double> default_value) {
  OptionSpec spec = spec_of(names, placeholder, description);
  auto* semantic = po::value<double>();
  if (default_value) {
    semantic->default_value(*default_value, shortest_text(*default_value));
    spec.default_text = shortest_text(*default_value);
  }
  return add(std::move(spec), semantic);
}

Command& Command::texts(const std::string& names, const std::string& placeholder, const std::string& description,
                        Completion completion) {
  OptionSpec spec = spec_of(names, placeholder, description);
  spec.repeatable = true;
  spec.completion = completion;
  return add(std::move(spec), po::value<std::vector<std::string>>()->composing());
}

Command& Command::numbers(const std::string& names, const std::string& placeholder, const std::string& description) {
  OptionSpec spec = spec_of(names, placeholder, description);
  spec.multitoken = true;
  return add(std::move(spec), po::value<std::vector<double>>()->multitoken());
}

Command& Command::required() {
  specs_.at(last_).required = true;
  return *this;
}

Command& Command::default_text(const std::string& text) {
  specs_.at(last_).default_text = text;
  return *this;
}

Command& Command::words(std::vector<std::string> words) {
  specs_.at(last_).completion = Completion::kWords;
  specs_.at(last_).words = std::move(words);
  return *this;
}

std::optional<Arguments> Command::parse(int argc, char** argv, std::ostream& out) const {
  const core::SourceLocation where{"fleetsim " + name_, 0, ""};
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") break;
    if (word == "--help" || word == "-h") {
      print_help(out);
      return std::nullopt;
    }
  }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(*options_).positional(positional_).run(), vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    std::vector<std::string> known;
    for (const OptionSpec& s : specs_) {
      if (!s.positional) known.push_back("--" + s.name);
    }
    const std::string hint = scenario::closest(e.get_option_name(), known);
    throw core::InputError(where, "unknown option " + core::quote(e.get_option_name()) +
                                      (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)") +
                                      "; fleetsim " + name_ + " --help lists the options");
  } catch (const po::too_many_positional_options_error&) {
    std::string expected;
    for (const OptionSpec& s : specs_) {
      if (s.positional) expected += (expected.empty() ? "" : " ") + s.placeholder;
    }
    throw core::InputError(where, "too many arguments: it takes " + (expected.empty() ? "none" : expected) +
                                      " and options (fleetsim " + name_ + " --help)");
  } catch (const po::error& e) {
    throw core::InputError(where, e.what());
  }
  if (vm.count("help")) {  // --he: an abbreviation of --help
    print_help(out);
    return std::nullopt;
  }
  for (const OptionSpec& s : specs_) {
    if (!s.required || vm.count(s.name)) continue;
    throw core::InputError(where, (s.positional ? s.placeholder : "--" + s.name) + " is required (usage: fleetsim " +
                                      name_ + " " + synopsis_ + ")");
  }
  return Arguments(std::move(vm));
}

std::string option_label(const OptionSpec& spec) {
  if (spec.positional) return spec.placeholder + (spec.repeatable ? "..." : "");
  std::string label = spec.short_name ? std::string("-") + spec.short_name + ", " : "    ";
  label += "--" + spec.name;
  if (!spec.placeholder.empty()) label += " " + spec.placeholder + (spec.multitoken ? "..." : "");
  return label;
}

void Command::print_help(std::ostream& out) const {
  out << "usage: fleetsim " << name_ << " " << synopsis_ << "\n";
  for (const std::string& paragraph : paragraphs(description_))
    out << "\n" << wrapped(paragraph, 0, kHelpColumns) << "\n";
  size_t width = 0;
  for (const OptionSpec& s : specs_) width = std::max(width, std::min(kLabelColumns, option_label(s).size()));
  const size_t indent = 2 + width + 2;
  bool arguments = false;
  bool options = false;
  for (const OptionSpec& s : specs_) {
    if (s.positional && !arguments) out << "\narguments:\n";
    if (!s.positional && !options) out << "\noptions:\n";
    arguments = arguments || s.positional;
    options = options || !s.positional;
    std::string text = s.description;
    if (s.repeatable && !s.positional) text += " (repeatable)";
    if (s.required && !s.positional) text += " (required)";
    if (!s.default_text.empty()) text += " (default: " + s.default_text + ")";
    const std::string label = option_label(s);
    out << "  " << label;
    if (label.size() > width) {
      out << "\n" << std::string(indent, ' ');
    } else {
      out << std::string(width - label.size() + 2, ' ');
    }
    out << wrapped(text, indent, kHelpColumns) << "\n";
  }
  out << "\nexit codes: 0 ok, 1 simulation error, 2 bad input; every command: fleetsim --help, man -l "
         "docs/fleetsim.1\n";
}

}  // namespace fleetsim::cli
