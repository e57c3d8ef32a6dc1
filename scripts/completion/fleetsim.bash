# bash completion for fleetsim: the commands, each one's options, and file names (scenarios,
# sweep files, HDF5 files, folders) where a command takes them. Made by
# `fleetsim help --bash-completion` from the commands' declarations (sim/cli/cmd_*.cpp); do not edit.
# Use: source scripts/completion/fleetsim.bash (e.g. from ~/.bashrc), or install it as
# /usr/share/bash-completion/completions/fleetsim.

# _fleetsim_files KIND WORD: file names for KIND (file, yaml, hdf5; folders always, to descend)
_fleetsim_files() {
  local f
  COMPREPLY=()
  if [[ $1 == folder ]]; then
    mapfile -t COMPREPLY < <(compgen -d -- "$2")
  else
    while IFS= read -r f; do
      case $1 in
        file) COMPREPLY+=("$f") ;;
        yaml) [[ -d $f || $f == *.yaml || $f == *.yml ]] && COMPREPLY+=("$f") ;;
        hdf5) [[ -d $f || $f == *.h5 ]] && COMPREPLY+=("$f") ;;
      esac
    done < <(compgen -f -- "$2")
  fi
  compopt -o filenames 2>/dev/null
  return 0
}

_fleetsim() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} command= i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} != -* ]]; then
      command=${COMP_WORDS[i]}
      break
    fi
  done
  if [[ -z $command ]]; then
    mapfile -t COMPREPLY < <(compgen -W "run validate sweep plan inspect catalog help --help --version" -- "$cur")
    return 0
  fi
  local options= argument= words=
  case $command in
    run)
      options="--output -o --set --threads --baseline --quiet -q --help -h"
      case $prev in
        --output|-o) _fleetsim_files hdf5 "$cur"; return 0 ;;
        --baseline) mapfile -t COMPREPLY < <(compgen -W "fifo greenest_site temporal_shift optimal power_cap" -- "$cur"); return 0 ;;
        --set|--threads) return 0 ;;
      esac
      argument=yaml
      ;;
    validate)
      options="--set --grid --reference --help -h"
      case $prev in
        --grid) _fleetsim_files yaml "$cur"; return 0 ;;
        --set) return 0 ;;
      esac
      argument=yaml
      ;;
    sweep)
      options="--grid --output -o --jobs -j --shard --set --dry-run --merge --force --quiet -q --help -h"
      case $prev in
        --grid) _fleetsim_files yaml "$cur"; return 0 ;;
        --output|-o) _fleetsim_files folder "$cur"; return 0 ;;
        --jobs|-j|--shard|--set) return 0 ;;
      esac
      argument=yaml
      ;;
    plan)
      options="--target-cfe --objective --region --output -o --load-csv --load-column --frontier --study --set --quiet -q --help -h"
      case $prev in
        --objective) mapfile -t COMPREPLY < <(compgen -W "cost carbon cost_under_cap" -- "$cur"); return 0 ;;
        --output|-o) _fleetsim_files hdf5 "$cur"; return 0 ;;
        --load-csv) _fleetsim_files file "$cur"; return 0 ;;
        --target-cfe|--region|--load-column|--frontier|--set) return 0 ;;
      esac
      argument=yaml
      ;;
    inspect)
      options="--json --help -h"
      argument=hdf5
      ;;
    catalog)
      options="--help -h"
      argument=yaml
      ;;
    help)
      options="--man --bash-completion --help -h"
      words="run validate sweep plan inspect catalog help"
      ;;
    *) return 0 ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  elif [[ -n $words ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  elif [[ -n $argument ]]; then
    _fleetsim_files "$argument" "$cur"
  fi
  return 0
}

complete -F _fleetsim fleetsim
