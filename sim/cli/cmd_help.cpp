// fleetsim help [COMMAND] | --man | --bash-completion: a command's help, and the manual page
// (docs/fleetsim.1) and bash completion script (scripts/completion/fleetsim.bash) made from
// the commands' declarations, so they list exactly the options the commands take.

#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "scenario/schema.hpp"

namespace fleetsim::cli {

namespace {

std::vector<Command> declared_commands() {
  std::vector<Command> list;
  for (const CommandEntry& entry : commands()) list.push_back(entry.declare());
  return list;
}

// Text for roff: backslashes and minus signs escaped, and a line never starting with a
// control character.
std::string roff(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string roff_label(const OptionSpec& s) {
  if (s.positional) return "\\fI" + roff(s.placeholder) + "\\fR" + (s.repeatable ? "..." : "");
  std::string label = s.short_name ? "\\fB\\-" + std::string(1, s.short_name) + "\\fR, " : "";
  label += "\\fB\\-\\-" + roff(s.name) + "\\fR";
  if (!s.placeholder.empty()) label += " \\fI" + roff(s.placeholder) + "\\fR" + (s.multitoken ? "..." : "");
  return label;
}

// The option's text as help shows it (with repeatable, required and default).
std::string option_text(const OptionSpec& s) {
  std::string text = s.description;
  if (s.repeatable && !s.positional) text += " (repeatable)";
  if (s.required && !s.positional) text += " (required)";
  if (!s.default_text.empty()) text += " (default: " + s.default_text + ")";
  return text;
}

const char* completion_kind(Completion c) {
  switch (c) {
    case Completion::kAnyFile:
      return "file";
    case Completion::kScenario:
    case Completion::kSweepFile:
      return "yaml";
    case Completion::kHdf5:
    case Completion::kHdf5OrFolder:
      return "hdf5";
    case Completion::kFolder:
      return "folder";
    case Completion::kNothing:
    case Completion::kWords:
      break;
  }
  return "";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

std::string man_page() {
  const std::vector<Command> list = declared_commands();
  std::ostringstream out;
  out << ".\\\" fleetsim(1), made by `fleetsim help --man` from the commands' declarations (sim/cli/cmd_*.cpp).\n"
         ".\\\" Do not edit: change the declarations and run\n"
         ".\\\"   build/sim/cli/fleetsim help --man > docs/fleetsim.1\n"
         ".nr HY 0\n"  // no hyphenation: option names and paths stay whole
         ".TH FLEETSIM 1 \"\" \"fleetsim\" \"User Commands\"\n"
         ".ad l\n"
         ".SH NAME\nfleetsim \\- discrete\\-event simulator of AI data\\-center fleets\n"
         ".SH SYNOPSIS\n";
  for (const Command& c : list) out << ".B fleetsim " << roff(c.name()) << "\n" << roff(c.synopsis()) << "\n.br\n";
  out << ".B fleetsim\n\\-\\-help | \\-\\-version\n"
         ".SH DESCRIPTION\n"
         "fleetsim simulates training jobs and inference traffic scheduled onto GPU clusters, hour by hour, "
         "against each region's renewable and grid supply, and writes the hourly series to HDF5 for analysis: "
         "energy, hourly carbon\\-free energy (CFE) scores, emissions and jobs. Scenarios are YAML files "
         "(docs/scenario\\-reference.md); the same scenario and seed give bit\\-identical output for any number "
         "of threads or MPI ranks.\n"
         ".PP\n"
         "Each command below lists its arguments and options, each with its unit and default; "
         "\\fBfleetsim\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR prints the same. Bad input (a YAML error, an unknown "
         "key, an out\\-of\\-range value, a missing file, an output path that cannot be written) is found before "
         "any simulation and reported in one line naming the file, the line and the key.\n"
         ".SH COMMANDS\n";
  for (const Command& c : list) {
    out << ".SS \"fleetsim " << roff(c.name()) << " " << roff(c.synopsis()) << "\"\n";
    bool first = true;
    for (const std::string& p : paragraphs(c.description())) {
      out << (first ? "" : ".PP\n") << roff(p) << "\n";
      first = false;
    }
    for (const OptionSpec& s : c.options()) out << ".TP\n" << roff_label(s) << "\n" << roff(option_text(s)) << "\n";
  }
  out << ".SH EXIT STATUS\n"
         ".TP\n.B 0\nsuccess\n"
         ".TP\n.B 1\na simulation or write error; a sweep with a failed or missing run; \\fBinspect\\fR of a file "
         "that did not finish writing\n"
         ".TP\n.B 2\nbad input: the command line, a scenario, sweep or CSV file, an output path; one line on "
         "standard error names it\n"
         ".SH ENVIRONMENT\n"
         ".TP\n.B SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN\n"
         "in a Slurm array job, choose the shard \\fBfleetsim sweep\\fR runs (\\fB\\-\\-shard\\fR overrides "
         "them; docs/hpc.md)\n"
         ".TP\n.B OMP_NUM_THREADS\nthreads of \\fBfleetsim plan\\fR's searches (OpenMP; default: all cores); the "
         "results do not depend on it\n"
         ".SH EXAMPLES\n"
         ".EX\n"
         "fleetsim run scenarios/quickstart.yaml \\-o out.h5\n"
         "fleetsim run scenarios/carbon_aware_shift.yaml \\-\\-baseline fifo\n"
         "fleetsim inspect out.h5 \\-\\-json\n"
         "fleetsim sweep scenarios/growth_2030.yaml \\-\\-grid scenarios/sweeps/growth_2030.yaml \\-\\-dry\\-run\n"
         "fleetsim sweep scenarios/growth_2030.yaml \\-\\-grid scenarios/sweeps/growth_2030.yaml \\-o growth \\-j 2\n"
         "fleetsim inspect growth\n"
         "fleetsim plan scenarios/quickstart.yaml \\-\\-target\\-cfe 0.9 \\-o plan.h5\n"
         ".EE\n"
         ".SH SEE ALSO\n"
         "README.md and, in docs/, scenario\\-reference.md (every scenario key), output\\-format.md (the HDF5 "
         "files), sweeps.md, hpc.md, planning.md, policies.md, models.md, energy.md, analysis.md; "
         "scripts/completion/fleetsim.bash (bash completion).\n";
  return out.str();
}

std::string bash_completion() {
  const std::vector<Command> list = declared_commands();
  std::vector<std::string> names;
  for (const Command& c : list) names.push_back(c.name());
  std::ostringstream out;
  out << "# bash completion for fleetsim: the commands, each one's options, and file names (scenarios,\n"
         "# sweep files, HDF5 files, folders) where a command takes them. Made by\n"
         "# `fleetsim help --bash-completion` from the commands' declarations (sim/cli/cmd_*.cpp); do not edit.\n"
         "# Use: source scripts/completion/fleetsim.bash (e.g. from ~/.bashrc), or install it as\n"
         "# /usr/share/bash-completion/completions/fleetsim.\n\n"
         "# _fleetsim_files KIND WORD: file names for KIND (file, yaml, hdf5; folders always, to descend)\n"
         "_fleetsim_files() {\n"
         "  local f\n"
         "  COMPREPLY=()\n"
         "  if [[ $1 == folder ]]; then\n"
         "    mapfile -t COMPREPLY < <(compgen -d -- \"$2\")\n"
         "  else\n"
         "    while IFS= read -r f; do\n"
         "      case $1 in\n"
         "        file) COMPREPLY+=(\"$f\") ;;\n"
         "        yaml) [[ -d $f || $f == *.yaml || $f == *.yml ]] && COMPREPLY+=(\"$f\") ;;\n"
         "        hdf5) [[ -d $f || $f == *.h5 ]] && COMPREPLY+=(\"$f\") ;;\n"
         "      esac\n"
         "    done < <(compgen -f -- \"$2\")\n"
         "  fi\n"
         "  compopt -o filenames 2>/dev/null\n"
         "  return 0\n"
         "}\n\n"
         "_fleetsim() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} command= i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    if [[ ${COMP_WORDS[i]} != -* ]]; then\n"
         "      command=${COMP_WORDS[i]}\n"
         "      break\n"
         "    fi\n"
         "  done\n"
         "  if [[ -z $command ]]; then\n"
         "    mapfile -t COMPREPLY < <(compgen -W \""
      << joined(names)
      << " --help --version\" -- \"$cur\")\n"
         "    return 0\n"
         "  fi\n"
         "  local options= argument= words=\n"
         "  case $command in\n";
  for (const Command& c : list) {
    std::vector<std::string> options;
    std::string argument;
    std::string words;
    out << "    " << c.name() << ")\n";
    std::ostringstream values;
    std::vector<std::string> plain_values;
    for (const OptionSpec& s : c.options()) {
      if (s.positional) {
        if (s.completion == Completion::kWords) {
          words = joined(s.words);
        } else {
          argument = completion_kind(s.completion);
        }
        continue;
      }
      options.push_back("--" + s.name);
      const std::string both = s.short_name ? "--" + s.name + "|-" + std::string(1, s.short_name) : "--" + s.name;
      if (s.short_name) options.push_back("-" + std::string(1, s.short_name));
      if (s.placeholder.empty()) continue;
      if (s.completion == Completion::kWords) {
        values << "        " << both << ") mapfile -t COMPREPLY < <(compgen -W \"" << joined(s.words)
               << "\" -- \"$cur\"); return 0 ;;\n";
      } else if (s.completion != Completion::kNothing) {
        values << "        " << both << ") _fleetsim_files " << completion_kind(s.completion)
               << " \"$cur\"; return 0 ;;\n";
      } else {
        plain_values.push_back(both);
      }
    }
    if (!plain_values.empty()) {
      std::string cases;
      for (const std::string& v : plain_values) cases += (cases.empty() ? "" : "|") + v;
      values << "        " << cases << ") return 0 ;;\n";
    }
    out << "      options=\"" << joined(options) << "\"\n";
    if (!values.str().empty()) out << "      case $prev in\n" << values.str() << "      esac\n";
    if (!argument.empty()) out << "      argument=" << argument << "\n";
    if (!words.empty()) out << "      words=\"" << words << "\"\n";
    out << "      ;;\n";
  }
  out << "    *) return 0 ;;\n"
         "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    mapfile -t COMPREPLY < <(compgen -W \"$options\" -- \"$cur\")\n"
         "  elif [[ -n $words ]]; then\n"
         "    mapfile -t COMPREPLY < <(compgen -W \"$words\" -- \"$cur\")\n"
         "  elif [[ -n $argument ]]; then\n"
         "    _fleetsim_files \"$argument\" \"$cur\"\n"
         "  fi\n"
         "  return 0\n"
         "}\n\n"
         "complete -F _fleetsim fleetsim\n";
  return out.str();
}

Command help_command() {
  std::vector<std::string> names;
  for (const CommandEntry& entry : commands()) {
    if (entry.declare != help_command) names.push_back(entry.declare().name());
  }
  names.emplace_back("help");
  return Command("help", "[COMMAND] | --man | --bash-completion",
                 "show a command's help, the manual page or the completion script",
                 "With a command, prints its help (as fleetsim COMMAND --help); alone, the list of commands. "
                 "--man prints the manual page (roff; docs/fleetsim.1 is this text, read it with man -l "
                 "docs/fleetsim.1) and --bash-completion the bash completion script "
                 "(scripts/completion/fleetsim.bash is this text).")
      .argument("command", "COMMAND", "the command whose help to show", Completion::kWords)
      .words(names)
      .flag("man", "print the manual page (roff)")
      .flag("bash-completion", "print the bash completion script");
}

int help_main(const Arguments& args) {
  if (args.flag("man")) {
    std::cout << man_page();
    return kExitOk;
  }
  if (args.flag("bash-completion")) {
    std::cout << bash_completion();
    return kExitOk;
  }
  const std::string name = args.text("command");
  if (name.empty()) {
    print_usage(std::cout);
    return kExitOk;
  }
  std::vector<std::string> names;
  for (const CommandEntry& entry : commands()) {
    const Command declared = entry.declare();
    if (declared.name() == name) {
      declared.print_help(std::cout);
      return kExitOk;
    }
    names.push_back(declared.name());
  }
  const std::string hint = scenario::closest(name, names);
  throw core::InputError(core::SourceLocation{"fleetsim help", 0, ""},
                         "unknown command " + core::quote(name) +
                             (hint.empty() ? "" : " (did you mean " + core::quote(hint) + "?)") +
                             "; fleetsim --help lists the commands");
}

}  // namespace fleetsim::cli
