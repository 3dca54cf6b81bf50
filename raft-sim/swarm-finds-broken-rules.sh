#!/usr/bin/env bash
# Shows that the swarm, with no pinned seed, finds deliberately broken Raft rules (issue 14). For each rule it copies
# raft-core's main sources to a scratch directory, breaks the rule there with one perl edit, compiles the copy, and
# runs SimMain's swarm from seed 1 against it until the first violation (at most --seeds seeds). Nothing in the
# repository is changed: the broken variants exist only under the scratch directory, which is removed at the end.
#
# usage (from the repository root, after `mvn -B -q package -DskipTests` or any build that compiled raft-kv and
# raft-sim):
#   raft-sim/swarm-finds-broken-rules.sh [--seeds N] [--ticks T] [--nodes 3|5|7] [rule ...]
# rules: commit-current-term   Raft §5.4.2: a leader commits an entry of an earlier term by counting replicas
#        read-distinct-peers   thesis §6.4: a read round's acknowledgements are counted, not the distinct peers
#        commit-max-match      the commit index is the highest match index instead of the quorum's
#        snapshot-suffix       Raft §7 rule 6: the log after a received snapshot is kept when it merely reaches the
#                              snapshot's index, whether or not its entry there has the snapshot's term
# Prints, per rule, the seed that found it (so the number of seeds the swarm needed) or that none did.
set -euo pipefail
seeds=2000 ticks=300 nodes=5
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
for dir in raft-kv/target/classes raft-sim/target/classes; do
  [ -d "$root/$dir" ] || { echo "missing $dir: build first (mvn -B -q package -DskipTests)" >&2; exit 2; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
core=src/main/java/dev/sansraft/core

break_rule() { # $1 rule, $2 source dir; each edit must change its file
  local f expr
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
  src="$scratch/$rule/src"
  mkdir -p "$src"
  cp -r "$root/raft-core/src/main/java/." "$src/"
  break_rule "$rule" "$src/dev/sansraft/core"
  javac --release 17 -nowarn -d "$scratch/$rule/classes" -cp "$slf4j" $(find "$src" -name '*.java') \
      2> "$scratch/$rule/javac.log" || { cat "$scratch/$rule/javac.log" >&2; exit 2; }
  echo "== $rule: swarm from seed 1, up to $seeds seeds, $ticks ticks, $nodes nodes"
  cp="$scratch/$rule/classes:$root/raft-kv/target/classes:$root/raft-sim/target/classes:$slf4j"
  out=$(java -cp "$cp" dev.sansraft.sim.SimMain --seeds "$seeds" --from 1 --ticks "$ticks" --nodes "$nodes" \
      --profile swarm --max-failures 1 2>&1 || true)
  if first=$(echo "$out" | grep -m1 '^FAIL seed'); then
    seed=$(echo "$first" | sed 's/^FAIL seed \([0-9]*\).*/\1/')
    echo "$rule: found by seed $seed, the swarm's seed number $seed from 1 (so $seed seeds)"
    echo "$first" | cut -c1-400
  else
    echo "$rule: NOT found within $seeds seeds"
  fi
done
