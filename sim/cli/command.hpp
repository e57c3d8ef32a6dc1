#pragma once
// A subcommand's arguments and options, each declared once with its placeholder, meaning,
// unit and default; parsing, `--help`, the manual page (docs/fleetsim.1) and the bash
// completion (scripts/completion/fleetsim.bash) are all derived from the declaration.

#include <boost/program_options.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace fleetsim::cli {

// What the shell completes for an argument or an option's value.
enum class Completion { kNothing, kAnyFile, kScenario, kSweepFile, kHdf5, kHdf5OrFolder, kFolder, kWords };

// One argument or option as declared (what help, the man page and completion show).
struct OptionSpec {
  std::string name;          // long name without "--" (for an argument: its key)
  char short_name = 0;       // 0: none
  std::string placeholder;   // "FILE", "N"; empty: a flag
  std::string description;   // what it does, with its unit
  std::string default_text;  // shown as "(default: ...)"; empty: none
  bool positional = false;
  bool required = false;
  bool repeatable = false;  // may be given more than once
  bool multitoken = false;  // takes several values after one option
  Completion completion = Completion::kNothing;
  std::vector<std::string> words;  // Completion::kWords
};

// The parsed command line of one subcommand.
class Arguments {
 public:
  explicit Arguments(boost::program_options::variables_map vm) : vm_(std::move(vm)) {}
  // Whether the option was given (or has a default).
  bool has(const std::string& name) const { return vm_.count(name) > 0; }
  // Whether it was given on the command line (not only defaulted).
  bool given(const std::string& name) const { return has(name) && !vm_[name].defaulted(); }
  bool flag(const std::string& name) const { return has(name) && vm_[name].as<bool>(); }
  std::string text(const std::string& name) const;  // "" when absent
  int integer(const std::string& name) const;       // 0 when absent
  double number(const std::string& name) const;     // NaN when absent
  std::vector<std::string> texts(const std::string& name) const;
  std::vector<double> numbers(const std::string& name) const;

 private:
  boost::program_options::variables_map vm_;
};

class Command {
 public:
  // `synopsis`: what follows "fleetsim NAME" in the usage line; `summary`: one line for the
  // list of commands; `description`: a paragraph for its help and the man page.
  Command(std::string name, std::string synopsis, std::string summary, std::string description);

  // `names` is "long" or "long,s" (a one-letter short form).
  Command& argument(const std::string& name, const std::string& placeholder, const std::string& description,
                    Completion completion);
  Command& flag(const std::string& names, const std::string& description);
  Command& text(const std::string& names, const std::string& placeholder, const std::string& description,
                Completion completion = Completion::kNothing);
  Command& integer(const std::string& names, const std::string& placeholder, const std::string& description,
                   std::optional<int> default_value);
  Command& number(const std::string& names, const std::string& placeholder, const std::string& description,
                  std::optional<double> default_value);
  Command& texts(const std::string& names, const std::string& placeholder, const std::string& description,
                 Completion completion = Completion::kNothing);  // repeatable
  Command& numbers(const std::string& names, const std::string& placeholder,
                   const std::string& description);  // several values after the option
  // Modifiers of the last argument or option declared.
  Command& required();
  Command& default_text(const std::string& text);  // a default worked out when the command runs
  Command& words(std::vector<std::string> words);  // the values completion offers

  // Parses argv (argv[0] is the subcommand). nullopt: `--help` was asked for and printed to
  // `out`. Unknown options (with a "did you mean"), missing values and missing required
  // arguments are core::InputError.
  std::optional<Arguments> parse(int argc, char** argv, std::ostream& out) const;

  const std::string& name() const { return name_; }
  const std::string& synopsis() const { return synopsis_; }
  const std::string& summary() const { return summary_; }
  const std::string& description() const { return description_; }
  // The arguments, then the options in declared order, then --help.
  const std::vector<OptionSpec>& options() const { return specs_; }

  // `fleetsim NAME --help`: usage, description, arguments and options, each option with its
  // placeholder, meaning, unit and default.
  void print_help(std::ostream& out) const;

 private:
  Command& add(OptionSpec spec, boost::program_options::value_semantic* semantic);

  std::string name_;
  std::string synopsis_;
  std::string summary_;
  std::string description_;
  std::vector<OptionSpec> specs_;  // --help last
  size_t last_ = 0;                // the last declared, for the modifiers
  // shared: a Command is copied into the list of commands
  std::shared_ptr<boost::program_options::options_description> options_;
  boost::program_options::positional_options_description positional_;
};

// A description's paragraphs (separated by a blank line).
std::vector<std::string> paragraphs(const std::string& text);

// "--long" or "-s, --long" with the placeholder: how help and the man page name an option.
std::string option_label(const OptionSpec& spec);

}  // namespace fleetsim::cli
