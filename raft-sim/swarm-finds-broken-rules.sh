#!/usr/bin/env bash
# Shows that the swarm, with no pinned seed, finds deliberately broken Raft rules (issue 14). For each rule it copies
# the one raft-core source file that holds the rule to a scratch directory, breaks the rule there with one perl edit,
# compiles that file against the built core, and runs SimMain's swarm from seed 1 with the broken class ahead of the
# real one on the classpath, until the first violation (at most --seeds seeds). Nothing in the repository is changed:
# the broken variants exist only under the scratch directory, which is removed at the end.
#
# usage (from the repository root, after `mvn -B -q package -DskipTests` or any build that compiled raft-kv and
# raft-sim):
#   raft-sim/swarm-finds-broken-rules.sh [--seeds N] [--ticks T] [--nodes 3|5|7] [rule ...]
# The cluster size defaults to 3 nodes for commit-current-term (where the Figure 8 shape needs the fewest faults) and
# to 5 for the others (with 3, one follower's acknowledgement is already a majority, so duplicates change nothing).
# rules: commit-current-term   Raft §5.4.2: a leader commits an entry of an earlier term by counting replicas
#        read-distinct-peers   thesis §6.4: a read round's acknowledgements are counted, not the distinct peers
#        commit-max-match      the commit index is the highest match index instead of the quorum's
#        snapshot-suffix       Raft §7 rule 6: the log after a received snapshot is kept when it merely reaches the
#                              snapshot's index, whether or not its entry there has the snapshot's term
# Prints, per rule, the seed that found it (so the number of seeds the swarm needed) or that none did.
set -euo pipefail
seeds=2000 ticks=300 nodes=
rules=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --ticks) ticks=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    *) rules+=("$1"); shift ;;
  esac
done
[ ${#rules[@]} -gt 0 ] || rules=(commit-current-term read-distinct-peers commit-max-match snapshot-suffix)
root=$(cd "$(dirname "$0")/.." && pwd)
slf4j=$(ls "$HOME"/.m2/repository/org/slf4j/slf4j-api/*/slf4j-api-*.jar | grep -v sources | head -1)
for dir in raft-core/target/classes raft-kv/target/classes raft-sim/target/classes; do
  [ -d "$root/$dir" ] || { echo "missing $dir: build first (mvn -B -q package -DskipTests)" >&2; exit 2; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
core=src/main/java/dev/sansraft/core

break_rule() { # $1 rule, $2 source dir; each edit must change its file
  local expr
  case "$1" in
    commit-current-term)
      f=RaftCore.java
      expr='s/if \(candidate > log\.commitIndex\(\) && log\.term\(candidate\) == term\) \{/if (candidate > log.commitIndex()) {/' ;;
    read-distinct-peers)
      f=Replication.java
      expr='s/if \(r\.round\(\) > pr\.ackedRound\) \{\n(\s*)pr\.ackedRound = r\.round\(\);/Progress slot = pr;\n$1for (Progress p : progress) { if (p.ackedRound < r.round()) { slot = p; break; } }\n$1if (r.round() > slot.ackedRound) {\n$1slot.ackedRound = r.round();/' ;;
    commit-max-match)
      f=Replication.java
      expr='s/long quorumMatchIndex\(\) \{\n(\s*)return quorum\.quorumValue\(matchIndexOf\);/long quorumMatchIndex() {\n$1return Arrays.stream(quorum.voters()).map(matchIndexOf).max().orElse(0);/' ;;
    snapshot-suffix)
      f=RaftCore.java
      expr='s/if \(log\.matchTerm\(s\.index\(\), s\.term\(\)\)\) \{/if (s.index() <= log.lastIndex()) {/' ;;
    *) echo "unknown rule $1" >&2; exit 2 ;;
  esac
  cp "$2/$f" "$scratch/orig.java"
  perl -0pi -e "$expr" "$2/$f"
  if cmp -s "$2/$f" "$scratch/orig.java"; then
    echo "the break of $1 no longer applies to $f: update this script" >&2; exit 2
  fi
}

for rule in "${rules[@]}"; do
  src="$scratch/$rule/src/dev/sansraft/core"
  mkdir -p "$src" "$scratch/$rule/classes"
  cp "$root/raft-core/$core/"*.java "$src/"
  break_rule "$rule" "$src"
  javac --release 17 -nowarn -d "$scratch/$rule/classes" -cp "$root/raft-core/target/classes:$slf4j" "$src/$f" \
      2> "$scratch/$rule/javac.log" || { cat "$scratch/$rule/javac.log" >&2; exit 2; }
  n=$nodes
  [ -n "$n" ] || { [ "$rule" = commit-current-term ] && n=3 || n=5; }
  echo "== $rule: swarm from seed 1, up to $seeds seeds, $ticks ticks, $n nodes"
  cp="$scratch/$rule/classes:$root/raft-core/target/classes:$root/raft-kv/target/classes"
  cp="$cp:$root/raft-sim/target/classes:$slf4j"
  out=$(java -cp "$cp" dev.sansraft.sim.SimMain --seeds "$seeds" --from 1 --ticks "$ticks" --nodes "$n" \
      --profile swarm --max-failures 1 2>&1 || true)
  if first=$(echo "$out" | grep -m1 '^FAIL seed'); then
    seed=$(echo "$first" | sed 's/^FAIL seed \([0-9]*\).*/\1/')
    echo "$rule: found by seed $seed, the swarm's seed number $seed from 1 (so $seed seeds)"
    echo "$first" | cut -c1-400
    echo "$out" | grep -m1 -o 'violated at tick.*' | cut -c1-300
  else
    echo "$rule: NOT found within $seeds seeds"
  fi
done
